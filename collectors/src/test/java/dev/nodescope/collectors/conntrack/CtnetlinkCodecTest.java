package dev.nodescope.collectors.conntrack;

import static dev.nodescope.collectors.conntrack.CtnetlinkCodec.*;
import static dev.nodescope.collectors.conntrack.NetlinkMessages.*;
import static dev.nodescope.collectors.netlink.Addresses.AF_INET;
import static dev.nodescope.collectors.netlink.Addresses.AF_INET6;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class CtnetlinkCodecTest {
  static final byte[] POD_A = {(byte) 192, 0, 2, 10};
  static final byte[] CLUSTER_IP = {(byte) 198, 51, 100, 7};
  static final byte[] POD_B = {(byte) 192, 0, 2, 20};

  static byte[] tcpEntry(int flags, int msg) {
    return ctMessage(
        msg,
        flags,
        AF_INET,
        nested(CTA_TUPLE_ORIG, tuple(POD_A, CLUSTER_IP, 6, 40000, 80)),
        nested(CTA_TUPLE_REPLY, tuple(POD_B, POD_A, 6, 8080, 40000)),
        nested(
            CTA_PROTOINFO,
            nested(CTA_PROTOINFO_TCP, attr(CTA_PROTOINFO_TCP_STATE, new byte[] {3}))),
        counters(CTA_COUNTERS_ORIG, 12, 1_500_000_000_000L),
        counters(CTA_COUNTERS_REPLY, 9, 4321),
        attr(CTA_STATUS, be(0x18e, 4)),
        attr(CTA_MARK, be(0xdeadbeefL, 4)),
        attr(CTA_ZONE, be(5, 2)),
        attr(CTA_ID, be(0xfedcba98L, 4)));
  }

  @Test
  void decodesIpv4TcpEntryWithNatReplyCountersAndMetadata() throws Exception {
    byte[] buf = concat(tcpEntry(NLM_F_MULTI, IPCTNL_MSG_CT_NEW), done());
    Decoded d = decode(buf, buf.length);
    assertThat(d.done()).isTrue();
    assertThat(d.errno()).isZero();
    assertThat(d.malformed()).isZero();
    assertThat(d.entries()).hasSize(1);
    ConntrackEntry e = d.entries().get(0);
    assertThat(e.event()).isEqualTo(ConntrackEntry.Event.DUMP);
    assertThat(e.family()).isEqualTo(AF_INET);
    assertThat(e.original().sourceAddress()).isEqualTo(InetAddress.getByName("192.0.2.10"));
    assertThat(e.original().destinationAddress()).isEqualTo(InetAddress.getByName("198.51.100.7"));
    assertThat(e.original().sourcePort()).isEqualTo(40000);
    assertThat(e.original().destinationPort()).isEqualTo(80);
    assertThat(e.original().protocol()).isEqualTo(6);
    assertThat(e.reply().sourceAddress()).isEqualTo(InetAddress.getByName("192.0.2.20"));
    assertThat(e.reply().sourcePort()).isEqualTo(8080);
    assertThat(e.originalPackets()).isEqualTo(12);
    assertThat(e.originalBytes()).isEqualTo(1_500_000_000_000L);
    assertThat(e.replyPackets()).isEqualTo(9);
    assertThat(e.replyBytes()).isEqualTo(4321);
    assertThat(e.status()).isEqualTo(0x18e);
    assertThat(e.tcpState()).isEqualTo(3);
    assertThat(e.mark()).isEqualTo(0xdeadbeefL);
    assertThat(e.zone()).isEqualTo(5);
    assertThat(e.id()).isEqualTo(0xfedcba98L);
    assertThat(e.originalBytes()).isNotNegative();
    assertThat(e.replyBytes()).isNotNegative();
  }

  @Test
  void decodesIpv6UdpEntryWithoutCounters() throws Exception {
    byte[] a = InetAddress.getByName("2001:db8::1").getAddress();
    byte[] b = InetAddress.getByName("2001:db8::2").getAddress();
    byte[] msg =
        ctMessage(
            IPCTNL_MSG_CT_NEW,
            NLM_F_MULTI,
            AF_INET6,
            nested(CTA_TUPLE_ORIG, tuple(a, b, 17, 5353, 53)),
            nested(CTA_TUPLE_REPLY, tuple(b, a, 17, 53, 5353)));
    Decoded d = decode(msg, msg.length);
    ConntrackEntry e = d.entries().get(0);
    assertThat(e.family()).isEqualTo(AF_INET6);
    assertThat(e.original().sourceAddress()).isEqualTo(InetAddress.getByName("2001:db8::1"));
    assertThat(e.reply().sourcePort()).isEqualTo(53);
    assertThat(e.tcpState()).isEqualTo(-1);
    assertThat(e.originalBytes()).as("no byte counter without accounting").isNegative();
    assertThat(d.done()).isFalse(); // multipart continues in the next recv
  }

  @Test
  void entriesReadInPlaceKeepNothingOfTheEntryBefore() throws Exception {
    byte[] a = InetAddress.getByName("2001:db8::1").getAddress();
    byte[] b = InetAddress.getByName("2001:db8::2").getAddress();
    byte[] withoutReplyOrCounters =
        ctMessage(
            IPCTNL_MSG_CT_NEW,
            NLM_F_MULTI,
            AF_INET6,
            nested(CTA_TUPLE_ORIG, tuple(a, b, 17, 5353, 53)));
    byte[] buf = concat(tcpEntry(NLM_F_MULTI, IPCTNL_MSG_CT_NEW), withoutReplyOrCounters, done());
    java.util.List<String> seen = new java.util.ArrayList<>();
    Decoded d =
        decode(
            buf,
            buf.length,
            new ConntrackCursor(),
            e ->
                seen.add(
                    e.family()
                        + " "
                        + Long.toHexString(e.original().sourceHigh())
                        + "/"
                        + Long.toHexString(e.original().sourceLow())
                        + " "
                        + (e.reply() == null ? "no reply" : e.reply().sourcePort())
                        + " "
                        + e.originalBytes()
                        + " "
                        + e.tcpState()
                        + " "
                        + e.id()));
    assertThat(d.done()).isTrue();
    assertThat(d.malformed()).isZero();
    assertThat(d.entries()).as("handed to the sink, not kept").isEmpty();
    assertThat(seen)
        .containsExactly(
            AF_INET + " 0/c000020a 8080 1500000000000 3 " + 0xfedcba98L,
            AF_INET6 + " 20010db800000000/1 no reply -1 -1 0");
    ConntrackEntry copy = decode(buf, buf.length).entries().get(1);
    assertThat(copy.original().sourceAddress()).isEqualTo(InetAddress.getByName("2001:db8::1"));
    assertThat(copy.original().destinationAddress())
        .isEqualTo(InetAddress.getByName("2001:db8::2"));
    assertThat(copy.reply()).isNull();
  }

  @Test
  void tellsEventsApart() {
    byte[] created = tcpEntry(NLM_F_CREATE | NLM_F_EXCL, IPCTNL_MSG_CT_NEW);
    byte[] destroyed = tcpEntry(0, IPCTNL_MSG_CT_DELETE);
    byte[] updated = tcpEntry(0, IPCTNL_MSG_CT_NEW);
    byte[] all = concat(created, destroyed, updated);
    assertThat(decode(all, all.length).entries())
        .extracting(ConntrackEntry::event)
        .containsExactly(
            ConntrackEntry.Event.NEW, ConntrackEntry.Event.DESTROY, ConntrackEntry.Event.UPDATE);
  }

  @Test
  void reportsNetlinkErrorAsErrnoAndDone() {
    byte[] buf = error(1); // EPERM
    Decoded d = decode(buf, buf.length);
    assertThat(d.errno()).isEqualTo(1);
    assertThat(d.done()).isTrue();
  }

  @Test
  void decodesPerCpuStatistics() {
    byte[] msg =
        message(
            NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET_STATS_CPU,
            NLM_F_MULTI,
            0,
            3,
            attr(CTA_STATS_FOUND, be(11, 4)),
            attr(CTA_STATS_INVALID, be(22, 4)),
            attr(CTA_STATS_INSERT, be(33, 4)),
            attr(CTA_STATS_INSERT_FAILED, be(44, 4)),
            attr(CTA_STATS_DROP, be(55, 4)),
            attr(CTA_STATS_EARLY_DROP, be(66, 4)),
            attr(CTA_STATS_SEARCH_RESTART, be(77, 4)));
    Decoded d = decode(msg, msg.length);
    assertThat(d.cpuStats()).containsExactly(new ConntrackCpuStats(3, 11, 22, 33, 44, 55, 66, 77));
  }

  @Test
  void skipsMalformedEntryAndKeepsTheRest() {
    byte[] good = tcpEntry(NLM_F_MULTI, IPCTNL_MSG_CT_NEW);
    byte[] bad =
        ctMessage(
            IPCTNL_MSG_CT_NEW,
            NLM_F_MULTI,
            AF_INET,
            attr(
                CTA_TUPLE_ORIG | 0x8000,
                new byte[] {(byte) 200, 0, 1, 0})); // inner length beyond its parent
    byte[] buf = concat(bad, good, done());
    Decoded d = decode(buf, buf.length);
    assertThat(d.entries()).hasSize(1);
    assertThat(d.malformed()).isEqualTo(1);
    assertThat(d.done()).isTrue();
  }

  @Test
  void truncatedBufferIsCountedNotThrown() {
    byte[] good = tcpEntry(NLM_F_MULTI, IPCTNL_MSG_CT_NEW);
    Decoded d = decode(good, good.length - 10);
    assertThat(d.entries()).isEmpty();
    assertThat(d.malformed()).isEqualTo(1);
  }

  @Test
  void dumpRequestIsAWellFormedNetlinkDump() {
    ByteBuffer b = ByteBuffer.wrap(dumpRequest(AF_INET6, 42)).order(ByteOrder.nativeOrder());
    assertThat(b.getInt(0)).isEqualTo(20);
    assertThat(b.getShort(4)).isEqualTo((short) 0x101);
    assertThat(b.getShort(6)).isEqualTo((short) (NLM_F_REQUEST | NLM_F_DUMP));
    assertThat(b.getInt(8)).isEqualTo(42);
    assertThat(b.get(16)).isEqualTo((byte) AF_INET6);
    assertThat(ByteBuffer.wrap(cpuStatsRequest(1)).order(ByteOrder.nativeOrder()).getShort(4))
        .isEqualTo((short) 0x104);
  }
}
