package dev.nodescope.collectors.nvidia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.nodescope.collectors.testing.StubNvidiaDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real binding ({@link BytedecoNvml}: libjninvml loaded directly, versioned names, struct
 * layouts, buffers) against a stand-in libnvidia-ml.so.1 compiled from
 * src/test/c/fake-libnvidia-ml.c, since no GPU is at hand: its values are known, so every reading
 * NvmlProbe prints in dcgm units can be checked. The probe runs in its own JVM because the dynamic
 * loader reads LD_LIBRARY_PATH only at process start.
 */
class BytedecoNvmlStubDriverTest {
  @TempDir static Path temp;
  private static Path driver;
  private static Map<String, String> probe;
  private static String output;

  @BeforeAll
  static void runProbeOnTheStubDriver() throws Exception {
    driver = StubNvidiaDriver.compile(temp);
    output = onStubDriver(NvmlProbe.class);
    probe = new LinkedHashMap<>();
    output
        .lines()
        .forEach(
            line -> {
              int value = line.lastIndexOf(',');
              if (value > 0 && !line.contains(",process,") && !line.startsWith("xid,")) {
                probe.put(line.substring(0, value), line.substring(value + 1));
              }
            });
  }

  private static String onStubDriver(Class<?> main, String... args) throws Exception {
    return onStubDriver(Map.of(), main, args);
  }

  private static String onStubDriver(Map<String, String> environment, Class<?> main, String... args)
      throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.bytedeco.javacpp.cachedir=" + temp.resolve("javacpp-cache"),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
    command.addAll(List.of(args));
    Map<String, String> withDriver = new LinkedHashMap<>(environment);
    withDriver.put("LD_LIBRARY_PATH", driver.toString());
    return run(command, withDriver);
  }

  private static String run(List<String> command, Map<String, String> environment)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    return out;
  }

  private static double number(String key) {
    return Double.parseDouble(probe.get(key));
  }

  @Test
  void identityStringsEndAtTheirNul() {
    assertThat(output)
        .contains("driver,580.95.05\n")
        .contains("0,uuid,GPU-11111111-2222-4333-8444-555555555555\n")
        .contains("0,name,NVIDIA H100 80GB HBM3\n")
        .contains("0,pci_bus_id,00000000:18:00.0\n")
        .contains("1,uuid,GPU-99999999-8888-4777-8666-555555555555\n")
        .contains("1,name,NVIDIA L4\n")
        .doesNotContain("\0");
  }

  @Test
  void readingsInDcgmUnits() {
    assertThat(number("0,SM_CLOCK")).isEqualTo(1980);
    assertThat(number("1,MEM_CLOCK")).isEqualTo(2618);
    assertThat(number("1,GPU_TEMP")).isEqualTo(36);
    assertThat(number("0,MEMORY_TEMP")).isEqualTo(45);
    assertThat(number("0,POWER_USAGE_MILLIWATTS")).isEqualTo(312.5);
    assertThat(number("0,TOTAL_ENERGY_MILLIJOULES")).isEqualTo(123456789012.0);
    assertThat(number("0,PCIE_REPLAYS")).isEqualTo(3);
    assertThat(number("1,GPU_UTIL")).isEqualTo(42);
    assertThat(number("1,MEM_COPY_UTIL")).isEqualTo(17);
    assertThat(number("1,ENC_UTIL")).isEqualTo(5);
    assertThat(number("1,DEC_UTIL")).isEqualTo(6);
    assertThat(number("0,FB_USED_BYTES")).isEqualTo(1024);
    assertThat(number("0,FB_RESERVED_BYTES")).isEqualTo(512);
    assertThat(number("0,FB_FREE_BYTES")).isEqualTo(80 * 1024 - 512 - 1024);
    assertThat(
            List.of(
                number("0,ECC_SBE_VOL_TOTAL"),
                number("0,ECC_DBE_VOL_TOTAL"),
                number("0,ECC_SBE_AGG_TOTAL"),
                number("0,ECC_DBE_AGG_TOTAL")))
        .containsExactly(11.0, 12.0, 13.0, 14.0);
    assertThat(number("0,CLOCK_EVENT_REASONS")).isEqualTo(0x24);
  }

  @Test
  void nvlinkAndRemappedRowsWhereTheGpuHasThem() {
    assertThat(number("0,NVLINK_BANDWIDTH_TOTAL")).as("TX + RX over all links").isEqualTo(3000);
    assertThat(
            List.of(
                number("0,NVLINK_CRC_FLIT_ERRORS"),
                number("0,NVLINK_CRC_DATA_ERRORS"),
                number("0,NVLINK_REPLAY_ERRORS"),
                number("0,NVLINK_RECOVERY_ERRORS")))
        .containsExactly(7.0, 8.0, 9.0, 10.0);
    assertThat(probe.get("1,NVLINK_BANDWIDTH_TOTAL")).isEqualTo("ERR 3");
    assertThat(probe.get("0,UNCORRECTABLE_REMAPPED_ROWS")).as("MIG on").isEqualTo("ERR 3");
    assertThat(
            List.of(
                number("1,UNCORRECTABLE_REMAPPED_ROWS"),
                number("1,CORRECTABLE_REMAPPED_ROWS"),
                number("1,ROW_REMAP_FAILURE"),
                number("1,ROW_REMAP_PENDING")))
        .containsExactly(1.0, 2.0, 0.0, 1.0);
    assertThat(probe.get("0,GPU_UTIL")).as("MIG on").isEqualTo("ERR 3");
  }

  @Test
  void migInstancesProcessesAndGpm() {
    assertThat(output)
        .contains(
            "0,mig,MigInstance[gpuInstanceId=3, profile=1g.10gb, "
                + "uuid=MIG-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, memoryUsedBytes=1073741824, memoryFreeBytes=9663676416]");
    assertThat(output).contains("0,process,4242,512\n", "0,process,4243,256\n");
    assertThat(output)
        .contains(
            "1,process_utilization,5000,30,10,2,4\n", "1,process_utilization,5001,31,11,3,5\n")
        .as("MIG on")
        .contains("0,process_utilization,ERR 3\n");
    assertThat(output.lines().filter(line -> line.startsWith("1,process,")))
        .as("70 processes: more than the first buffer, asked again with room")
        .hasSize(70);
    assertThat(number("0,gpm_GR_ENGINE_ACTIVE")).isCloseTo(0.10, offset(1e-9));
    assertThat(number("0,gpm_DRAM_ACTIVE")).isCloseTo(1.00, offset(1e-9));
    assertThat(number("0,gpm_PCIE_RX_BYTES")).isEqualTo(210.0 * (1 << 20));
    assertThat(number("0,gpm_gi3_PIPE_TENSOR_ACTIVE")).isCloseTo(0.10, offset(1e-9));
    assertThat(number("0,gpm_gi3_PCIE_TX_BYTES")).isEqualTo(40.0 * (1 << 20));
    assertThat(probe.get("1,gpm_")).as("no GPM before Hopper").isEqualTo("ERR 3");
    assertThat(output)
        .as("every GPM sample freed")
        .contains("stub: gpm samples allocated 4, freed 4");
  }

  @Test
  void xidEventsFromTheEventSet() {
    assertThat(output).contains("1,xid_register,ERR 3\n").contains("xid,0,79,3\n");
  }

  /** The stand-in as bench/busy-node.sh runs it: eight GPUs, the first of each four in MIG mode. */
  @Test
  void eightGpusWithMigOnTwo() throws Exception {
    Path procfs = Files.createDirectories(temp.resolve("proc-eight"));
    String collection =
        onStubDriver(Map.of("STUB_NVML_GPUS", "8"), StubDriverCollection.class, procfs.toString());

    List<String> uuids =
        collection
            .lines()
            .filter(line -> line.startsWith("DCGM_FI_DEV_POWER_USAGE{"))
            .map(line -> line.replaceAll(".*UUID=([^,]*),.*", "$1"))
            .toList();
    assertThat(uuids).hasSize(8).doesNotHaveDuplicates().contains(StubNvidiaDriver.L4_UUID);
    assertThat(
            collection
                .lines()
                .filter(line -> line.startsWith("DCGM_FI_DEV_FB_USED_MIG{"))
                .map(line -> line.replaceAll("^[^{]*\\{gpu=([0-9]+),.*", "$1")))
        .containsExactlyInAnyOrder("0", "4");
  }

  @Test
  void theCollectorAsTheAgentRunsIt() throws Exception {
    Path procfs = temp.resolve("proc");
    Files.createDirectories(procfs);
    String collection = onStubDriver(StubDriverCollection.class, procfs.toString());

    String gpu0 =
        "gpu=0,UUID=GPU-11111111-2222-4333-8444-555555555555,pci_bus_id=00000000:18:00.0,device=nvidia0,"
            + "modelName=NVIDIA H100 80GB HBM3,Hostname=stub-node,DCGM_FI_DRIVER_VERSION=580.95.05";
    assertThat(collection)
        .contains("DCGM_FI_DEV_POWER_USAGE{" + gpu0 + ",pod=,namespace=,container=} 312.5\n")
        .contains(
            "DCGM_FI_DEV_FB_USED_MIG{"
                + gpu0
                + ",pod=,namespace=,container=,GPU_I_PROFILE=1g.10gb,GPU_I_ID=3} 1024.0")
        .contains(
            "DCGM_FI_PROF_SM_ACTIVE{"
                + gpu0
                + ",pod=,namespace=,container=,GPU_I_PROFILE=,GPU_I_ID=} 0.2\n")
        .contains(
            "DCGM_FI_PROF_SM_ACTIVE{"
                + gpu0
                + ",pod=,namespace=,container=,GPU_I_PROFILE=1g.10gb,GPU_I_ID=3} 0.04\n")
        .contains(
            "DCGM_FI_DEV_XID_ERRORS{"
                + gpu0
                + ",pod=,namespace=,container=,GPU_I_PROFILE=,GPU_I_ID=,"
                + "err_code=79,err_msg=GPU has fallen off the bus} 79.0\n")
        .contains(
            "nodescope_gpu_xid_errors_total{"
                + gpu0
                + ",pod=,namespace=,container=,GPU_I_PROFILE=1g.10gb,GPU_I_ID=3,xid=79} 1.0\n")
        .contains(
            "nodescope_gpu_pod_memory_used_bytes{"
                + gpu0
                + ",pod=,namespace=,container=,GPU_I_PROFILE=1g.10gb,GPU_I_ID=3} "
                + (double) (768L << 20)
                + "\n")
        .contains(
            "nodescope_gpu_pod_sm_utilization_ratio{gpu=1,UUID=GPU-99999999-8888-4777-8666-555555555555,"
                + "pci_bus_id=00000000:2A:00.0,device=nvidia1,modelName=NVIDIA L4,Hostname=stub-node,"
                + "DCGM_FI_DRIVER_VERSION=580.95.05,pod=,namespace=,container=,GPU_I_PROFILE=,GPU_I_ID=} 0.61\n")
        .doesNotContain("nodescope_gpu_pod_sm_utilization_ratio{gpu=0")
        .doesNotContain("DCGM_FI_DEV_XID_ERRORS{gpu=1")
        .doesNotContain("partial failure")
        .doesNotContain("nodescope_gpu_nvml_errors_total")
        .doesNotContain("after nvmlShutdown")
        .contains("stub: gpm samples allocated 4, freed 4");
  }
}
