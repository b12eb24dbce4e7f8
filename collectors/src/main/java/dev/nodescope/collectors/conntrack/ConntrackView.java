package dev.nodescope.collectors.conntrack;

/**
 * One conntrack entry's fields as the flows collector reads them: a {@link ConntrackEntry}, or an
 * entry read in place from a dump's receive buffer, which is valid only during the call of the
 * dump's sink (a table of 150,000 entries then costs no object per entry); {@link #toEntry} keeps
 * one.
 */
public interface ConntrackView {
  ConntrackEntry.Event event();

  int family();

  TupleView original();

  /** The reply direction; null when the kernel sent none. */
  TupleView reply();

  long originalPackets();

  long originalBytes();

  long replyPackets();

  long replyBytes();

  long status();

  int tcpState();

  int zone();

  long mark();

  long id();

  /** An immutable copy (the entry itself when it is one). */
  ConntrackEntry toEntry();
}
