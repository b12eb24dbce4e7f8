package dev.nodescope.collectors.conntrack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pure ctnetlink codec: builds request messages and decodes what the kernel sends back. Netlink
 * headers and attribute headers are in host byte order; attribute payloads (addresses, ports,
 * counters) are big-endian. Decoding never throws: a malformed message or attribute is counted and
 * skipped, and every loop advances by at least one aligned header, so truncated or hostile input
 * cannot make it spin.
 */
public final class CtnetlinkCodec {
  static final int NLMSG_HDRLEN = 16;
  static final int NFGENMSG_LEN = 4;
  static final int NLMSG_NOOP = 1;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int NLMSG_OVERRUN = 4;
  static final int NLM_F_REQUEST = 0x1;
  static final int NLM_F_MULTI = 0x2;
  static final int NLM_F_ACK = 0x4;
  static final int NLM_F_DUMP = 0x300;
  static final int NLM_F_CREATE = 0x400;
  static final int NLM_F_EXCL = 0x200;
  static final int NFNL_SUBSYS_CTNETLINK = 1;
  static final int IPCTNL_MSG_CT_NEW = 0;
  static final int IPCTNL_MSG_CT_GET = 1;
  static final int IPCTNL_MSG_CT_DELETE = 2;
  static final int IPCTNL_MSG_CT_GET_STATS_CPU = 4;
  static final int NFNETLINK_V0 = 0;

  static final int CTA_TUPLE_ORIG = 1;
  static final int CTA_TUPLE_REPLY = 2;
  static final int CTA_STATUS = 3;
  static final int CTA_PROTOINFO = 4;
  static final int CTA_MARK = 8;
  static final int CTA_COUNTERS_ORIG = 9;
  static final int CTA_COUNTERS_REPLY = 10;
  static final int CTA_ID = 12;
  static final int CTA_ZONE = 18;
  static final int CTA_TUPLE_IP = 1;
  static final int CTA_TUPLE_PROTO = 2;
  static final int CTA_IP_V4_SRC = 1;
  static final int CTA_IP_V4_DST = 2;
  static final int CTA_IP_V6_SRC = 3;
  static final int CTA_IP_V6_DST = 4;
  static final int CTA_PROTO_NUM = 1;
  static final int CTA_PROTO_SRC_PORT = 2;
  static final int CTA_PROTO_DST_PORT = 3;
  static final int CTA_PROTOINFO_TCP = 1;
  static final int CTA_PROTOINFO_TCP_STATE = 1;
  static final int CTA_COUNTERS_PACKETS = 1;
  static final int CTA_COUNTERS_BYTES = 2;
  static final int CTA_COUNTERS32_PACKETS = 3;
  static final int CTA_COUNTERS32_BYTES = 4;
  static final int CTA_STATS_FOUND = 2;
  static final int CTA_STATS_INVALID = 4;
  static final int CTA_STATS_INSERT = 8;
  static final int CTA_STATS_INSERT_FAILED = 9;
  static final int CTA_STATS_DROP = 10;
  static final int CTA_STATS_EARLY_DROP = 11;
  static final int CTA_STATS_SEARCH_RESTART = 13;
  private static final int NLA_TYPE_MASK = 0x3fff;

  /** Netlink and attribute headers, in the host's order. */
  private static final VarHandle HOST_SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());

  private static final VarHandle HOST_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

  /** Attribute payloads: addresses, ports, counters. */
  private static final VarHandle BIG_ENDIAN_SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

  private static final VarHandle BIG_ENDIAN_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private CtnetlinkCodec() {}

  /** What one receive buffer held. */
  public record Decoded(
      List<ConntrackEntry> entries,
      List<ConntrackCpuStats> cpuStats,
      boolean done,
      int errno,
      int malformed) {}

  /** A dump request (IPCTNL_MSG_CT_GET, NLM_F_DUMP) for one address family. */
  public static byte[] dumpRequest(int family, int sequence) {
    return request(IPCTNL_MSG_CT_GET, family, sequence);
  }

  /** A per-CPU statistics dump request (IPCTNL_MSG_CT_GET_STATS_CPU). */
  public static byte[] cpuStatsRequest(int sequence) {
    return request(IPCTNL_MSG_CT_GET_STATS_CPU, 0, sequence);
  }

  private static byte[] request(int messageType, int family, int sequence) {
    ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + NFGENMSG_LEN).order(ByteOrder.nativeOrder());
    b.putInt(NLMSG_HDRLEN + NFGENMSG_LEN);
    b.putShort((short) ((NFNL_SUBSYS_CTNETLINK << 8) | messageType));
    b.putShort((short) (NLM_F_REQUEST | NLM_F_DUMP));
    b.putInt(sequence);
    b.putInt(0);
    b.put((byte) family).put((byte) NFNETLINK_V0).putShort((short) 0);
    return b.array();
  }

  /** Decodes every netlink message in buf[0, length). */
  public static Decoded decode(byte[] buf, int length) {
    List<ConntrackEntry> entries = new ArrayList<>();
    Decoded framing = decode(buf, length, new ConntrackCursor(), e -> entries.add(e.toEntry()));
    return new Decoded(
        entries, framing.cpuStats(), framing.done(), framing.errno(), framing.malformed());
  }

  /**
   * Decodes every netlink message in b[0, length), each entry into the cursor and then to the sink,
   * which must not keep the cursor past its call; the result holds no entries.
   */
  static Decoded decode(
      byte[] b, int length, ConntrackCursor cursor, Consumer<ConntrackView> sink) {
    List<ConntrackCpuStats> stats = new ArrayList<>();
    boolean done = false;
    int errno = 0;
    int malformed = 0;
    int end = Math.max(0, Math.min(length, b.length));
    int pos = 0;
    while (end - pos >= NLMSG_HDRLEN) {
      int len = hostInt(b, pos);
      int type = hostU16(b, pos + 4);
      int flags = hostU16(b, pos + 6);
      if (len < NLMSG_HDRLEN || len > end - pos) {
        malformed++;
        break; // the rest of the buffer cannot be framed
      }
      if (type == NLMSG_DONE) {
        done = true;
      } else if (type == NLMSG_ERROR) {
        int error = len >= NLMSG_HDRLEN + 4 ? hostInt(b, pos + NLMSG_HDRLEN) : 0;
        if (error != 0) {
          errno = -error;
          done = true;
        }
      } else if (type >> 8 == NFNL_SUBSYS_CTNETLINK && len >= NLMSG_HDRLEN + NFGENMSG_LEN) {
        int family = b[pos + NLMSG_HDRLEN] & 0xff;
        int resId = be16(b, pos + NLMSG_HDRLEN + 2);
        int attrs = pos + NLMSG_HDRLEN + NFGENMSG_LEN;
        int msg = type & 0xff;
        boolean decoded = false;
        try {
          if (msg == IPCTNL_MSG_CT_GET_STATS_CPU) {
            stats.add(decodeStats(b, attrs, pos + len, resId));
          } else if (msg == IPCTNL_MSG_CT_NEW || msg == IPCTNL_MSG_CT_DELETE) {
            decoded = decodeEntry(b, attrs, pos + len, cursor, family, eventOf(msg, flags));
            malformed += decoded ? 0 : 1;
          }
        } catch (RuntimeException e) {
          decoded = false;
          malformed++; // defensive: bounds are checked everywhere, but a bad attribute must never
          // escape
        }
        if (decoded) {
          sink.accept(cursor); // outside the try: what the sink throws is no malformed message
        }
      } else if (type != NLMSG_NOOP && type != NLMSG_OVERRUN) {
        malformed++;
      }
      pos += align(len);
    }
    if (pos < end && end - pos < NLMSG_HDRLEN) {
      malformed++;
    }
    return new Decoded(List.of(), stats, done, errno, malformed);
  }

  private static ConntrackEntry.Event eventOf(int msg, int flags) {
    if (msg == IPCTNL_MSG_CT_DELETE) {
      return ConntrackEntry.Event.DESTROY;
    }
    if ((flags & NLM_F_MULTI) != 0) {
      return ConntrackEntry.Event.DUMP;
    }
    return (flags & (NLM_F_CREATE | NLM_F_EXCL)) != 0
        ? ConntrackEntry.Event.NEW
        : ConntrackEntry.Event.UPDATE;
  }

  /** Reads one entry into the cursor; false when it is malformed or has no original tuple. */
  private static boolean decodeEntry(
      byte[] b, int start, int end, ConntrackCursor e, int family, ConntrackEntry.Event event) {
    e.reset(family, event);
    for (int p = start; end - p >= 4; ) {
      int alen = hostU16(b, p);
      if (alen < 4 || alen > end - p) {
        return false;
      }
      int atype = hostU16(b, p + 2) & NLA_TYPE_MASK;
      int payload = p + 4;
      int plen = alen - 4;
      switch (atype) {
        case CTA_TUPLE_ORIG -> e.hasOriginal = decodeTuple(b, payload, payload + plen, e.original);
        case CTA_TUPLE_REPLY -> e.hasReply = decodeTuple(b, payload, payload + plen, e.reply);
        case CTA_STATUS -> e.status = u32(b, payload, plen);
        case CTA_MARK -> e.mark = u32(b, payload, plen);
        case CTA_ID -> e.id = u32(b, payload, plen);
        case CTA_ZONE -> e.zone = plen >= 2 ? be16(b, payload) : 0;
        case CTA_COUNTERS_ORIG -> decodeCounters(b, payload, payload + plen, e.originalCounters);
        case CTA_COUNTERS_REPLY -> decodeCounters(b, payload, payload + plen, e.replyCounters);
        case CTA_PROTOINFO -> e.tcpState = decodeTcpState(b, payload, payload + plen);
        default -> {}
      }
      p += align(alen);
    }
    return e.hasOriginal;
  }

  /**
   * Reads one tuple into {@code into}; false when it is malformed or lacks an address or the
   * protocol, or its addresses differ in length.
   */
  private static boolean decodeTuple(byte[] b, int start, int end, ConntrackCursor.Tuple into) {
    int sourceLength = 0;
    int destinationLength = 0;
    int proto = -1;
    int sport = 0;
    int dport = 0;
    for (int p = start; end - p >= 4; ) {
      int alen = hostU16(b, p);
      if (alen < 4 || alen > end - p) {
        return false;
      }
      int atype = hostU16(b, p + 2) & NLA_TYPE_MASK;
      if (atype == CTA_TUPLE_IP) {
        for (int q = p + 4; p + alen - q >= 4; ) {
          int ilen = hostU16(b, q);
          if (ilen < 4 || ilen > p + alen - q) {
            return false;
          }
          int itype = hostU16(b, q + 2) & NLA_TYPE_MASK;
          int size = itype == CTA_IP_V4_SRC || itype == CTA_IP_V4_DST ? 4 : 16;
          if (itype >= CTA_IP_V4_SRC && itype <= CTA_IP_V6_DST && ilen - 4 >= size) {
            long high = size == 16 ? be64(b, q + 4) : 0;
            long low = size == 16 ? be64(b, q + 12) : be32(b, q + 4);
            if (itype == CTA_IP_V4_SRC || itype == CTA_IP_V6_SRC) {
              sourceLength = size;
              into.sourceHigh = high;
              into.sourceLow = low;
            } else {
              destinationLength = size;
              into.destinationHigh = high;
              into.destinationLow = low;
            }
          }
          q += align(ilen);
        }
      } else if (atype == CTA_TUPLE_PROTO) {
        for (int q = p + 4; p + alen - q >= 4; ) {
          int ilen = hostU16(b, q);
          if (ilen < 4 || ilen > p + alen - q) {
            return false;
          }
          int itype = hostU16(b, q + 2) & NLA_TYPE_MASK;
          if (itype == CTA_PROTO_NUM && ilen >= 5) {
            proto = b[q + 4] & 0xff;
          } else if (itype == CTA_PROTO_SRC_PORT && ilen >= 6) {
            sport = be16(b, q + 4);
          } else if (itype == CTA_PROTO_DST_PORT && ilen >= 6) {
            dport = be16(b, q + 4);
          }
          q += align(ilen);
        }
      }
      p += align(alen);
    }
    if (sourceLength == 0 || sourceLength != destinationLength || proto < 0) {
      return false;
    }
    into.addressLength = sourceLength;
    into.protocol = proto;
    into.sourcePort = sport;
    into.destinationPort = dport;
    return true;
  }

  private static void decodeCounters(byte[] b, int start, int end, long[] packetsBytes) {
    for (int p = start; end - p >= 4; ) {
      int alen = hostU16(b, p);
      if (alen < 4 || alen > end - p) {
        return;
      }
      int atype = hostU16(b, p + 2) & NLA_TYPE_MASK;
      int plen = alen - 4;
      if ((atype == CTA_COUNTERS_PACKETS || atype == CTA_COUNTERS_BYTES) && plen >= 8) {
        packetsBytes[atype - CTA_COUNTERS_PACKETS] = be64(b, p + 4) & Long.MAX_VALUE;
      } else if ((atype == CTA_COUNTERS32_PACKETS || atype == CTA_COUNTERS32_BYTES) && plen >= 4) {
        packetsBytes[atype - CTA_COUNTERS32_PACKETS] = be32(b, p + 4);
      }
      p += align(alen);
    }
  }

  private static int decodeTcpState(byte[] b, int start, int end) {
    for (int p = start; end - p >= 4; ) {
      int alen = hostU16(b, p);
      if (alen < 4 || alen > end - p) {
        return -1;
      }
      if ((hostU16(b, p + 2) & NLA_TYPE_MASK) == CTA_PROTOINFO_TCP) {
        for (int q = p + 4; p + alen - q >= 4; ) {
          int ilen = hostU16(b, q);
          if (ilen < 4 || ilen > p + alen - q) {
            return -1;
          }
          if ((hostU16(b, q + 2) & NLA_TYPE_MASK) == CTA_PROTOINFO_TCP_STATE && ilen >= 5) {
            return b[q + 4] & 0xff;
          }
          q += align(ilen);
        }
      }
      p += align(alen);
    }
    return -1;
  }

  private static ConntrackCpuStats decodeStats(byte[] b, int start, int end, int cpu) {
    long[] v = new long[16];
    for (int p = start; end - p >= 4; ) {
      int alen = hostU16(b, p);
      if (alen < 4 || alen > end - p) {
        break;
      }
      int atype = hostU16(b, p + 2) & NLA_TYPE_MASK;
      if (atype < v.length && alen >= 8) {
        v[atype] = be32(b, p + 4);
      }
      p += align(alen);
    }
    return new ConntrackCpuStats(
        cpu,
        v[CTA_STATS_FOUND],
        v[CTA_STATS_INVALID],
        v[CTA_STATS_INSERT],
        v[CTA_STATS_INSERT_FAILED],
        v[CTA_STATS_DROP],
        v[CTA_STATS_EARLY_DROP],
        v[CTA_STATS_SEARCH_RESTART]);
  }

  private static long u32(byte[] b, int payload, int plen) {
    return plen >= 4 ? be32(b, payload) : 0;
  }

  private static int hostU16(byte[] b, int at) {
    return (short) HOST_SHORT.get(b, at) & 0xffff;
  }

  private static int hostInt(byte[] b, int at) {
    return (int) HOST_INT.get(b, at);
  }

  private static int be16(byte[] b, int at) {
    return (short) BIG_ENDIAN_SHORT.get(b, at) & 0xffff;
  }

  private static long be32(byte[] b, int at) {
    return (int) BIG_ENDIAN_INT.get(b, at) & 0xffff_ffffL;
  }

  private static long be64(byte[] b, int at) {
    return (long) BIG_ENDIAN_LONG.get(b, at);
  }

  static int align(int len) {
    return (len + 3) & ~3;
  }
}
