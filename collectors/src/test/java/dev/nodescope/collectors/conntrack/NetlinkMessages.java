package dev.nodescope.collectors.conntrack;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds netlink messages the way the kernel lays them out, for the codec's tests. */
final class NetlinkMessages {
  private NetlinkMessages() {}

  static byte[] attr(int type, byte[] payload) {
    int len = 4 + payload.length;
    ByteBuffer b = ByteBuffer.allocate(CtnetlinkCodec.align(len)).order(ByteOrder.nativeOrder());
    b.putShort((short) len).putShort((short) type).put(payload);
    return b.array();
  }

  static byte[] nested(int type, byte[]... children) {
    return attr(type | 0x8000, concat(children));
  }

  static byte[] be(long value, int bytes) {
    byte[] out = new byte[bytes];
    for (int i = bytes - 1; i >= 0; i--) {
      out[i] = (byte) value;
      value >>>= 8;
    }
    return out;
  }

  static byte[] tuple(byte[] src, byte[] dst, int proto, int sport, int dport) {
    boolean v4 = src.length == 4;
    return concat(
        nested(
            CtnetlinkCodec.CTA_TUPLE_IP,
            attr(v4 ? CtnetlinkCodec.CTA_IP_V4_SRC : CtnetlinkCodec.CTA_IP_V6_SRC, src),
            attr(v4 ? CtnetlinkCodec.CTA_IP_V4_DST : CtnetlinkCodec.CTA_IP_V6_DST, dst)),
        nested(
            CtnetlinkCodec.CTA_TUPLE_PROTO,
            attr(CtnetlinkCodec.CTA_PROTO_NUM, new byte[] {(byte) proto}),
            attr(CtnetlinkCodec.CTA_PROTO_SRC_PORT, be(sport, 2)),
            attr(CtnetlinkCodec.CTA_PROTO_DST_PORT, be(dport, 2))));
  }

  static byte[] counters(int type, long packets, long bytes) {
    return nested(
        type,
        attr(CtnetlinkCodec.CTA_COUNTERS_PACKETS, be(packets, 8)),
        attr(CtnetlinkCodec.CTA_COUNTERS_BYTES, be(bytes, 8)));
  }

  static byte[] message(int type, int flags, int family, int resId, byte[]... attrs) {
    byte[] body = concat(attrs);
    int len = CtnetlinkCodec.NLMSG_HDRLEN + CtnetlinkCodec.NFGENMSG_LEN + body.length;
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
    b.putInt(len).putShort((short) type).putShort((short) flags).putInt(7).putInt(0);
    b.put((byte) family).put((byte) 0).put(be(resId, 2)).put(body);
    return b.array();
  }

  static byte[] ctMessage(int msg, int flags, int family, byte[]... attrs) {
    return message(CtnetlinkCodec.NFNL_SUBSYS_CTNETLINK << 8 | msg, flags, family, 0, attrs);
  }

  static byte[] done() {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    b.putInt(20)
        .putShort((short) CtnetlinkCodec.NLMSG_DONE)
        .putShort((short) CtnetlinkCodec.NLM_F_MULTI)
        .putInt(7)
        .putInt(0)
        .putInt(0);
    return b.array();
  }

  static byte[] error(int errno) {
    ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
    b.putInt(36)
        .putShort((short) CtnetlinkCodec.NLMSG_ERROR)
        .putShort((short) 0)
        .putInt(7)
        .putInt(0)
        .putInt(-errno);
    return b.array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
