package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.Btf;
import java.util.Map;

/**
 * Keeps the drop counter loaded for bench/drops-cost.sh: prints "loaded" once attached, then holds
 * it until standard input closes, then unloads it.
 */
public final class DropsHold {
  private DropsHold() {}

  public static void main(String[] args) throws Exception {
    try (DropsPart drops =
        DropsPart.load(TcpCollectorFactory.resource(DropsPart.OBJECT), Btf.KERNEL, Map::of)) {
      System.out.println("loaded");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until the script closes our input
      }
    }
  }
}
