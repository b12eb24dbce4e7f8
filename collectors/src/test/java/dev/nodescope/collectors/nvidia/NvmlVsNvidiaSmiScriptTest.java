package dev.nodescope.collectors.nvidia;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The comparison logic of scripts/nvml-vs-nvidia-smi.sh, which only a GPU machine can run for real:
 * here the probe and nvidia-smi are stand-ins printing fixed values, so that agreement, each
 * tolerance and the exit status are checked wherever the build runs.
 */
class NvmlVsNvidiaSmiScriptTest {
  private static final Path SCRIPT =
      Path.of("..", "scripts", "nvml-vs-nvidia-smi.sh").toAbsolutePath().normalize();
  private static final String SMI =
      """
      #!/bin/bash
      case "$*" in
        *query-gpu*) echo "0, GPU-aaaa, 00000000:18:00.0, NVIDIA H100 80GB HBM3, 580.95.05, 1980, 2619, 35, 70.12, \
      0, 0, 1024, 80000, 0, 0, 40";;
        *query-remapped-rows*) echo "GPU-aaaa, 2, 1, No";;
        *query-compute-apps*) echo "GPU-aaaa, 4242, 1000";;
        *dmon*) echo "# gpu gpm1";;
        *nvlink*) printf 'GPU 0: NVIDIA H100\\n\\t Link 0: Data Tx: 1000 KiB\\n\\t Link 0: Data Rx: 2000 KiB\\n';;
      esac
      """;
  private static final String PROBE =
      """
      driver,580.95.05
      0,uuid,GPU-aaaa
      0,pci_bus_id,00000000:18:00.0
      0,name,NVIDIA H100 80GB HBM3
      0,SM_CLOCK,1980.0
      0,MEM_CLOCK,2619.0
      0,GPU_TEMP,35.0
      0,MEMORY_TEMP,41.0
      0,POWER_USAGE_MILLIWATTS,70.5
      0,GPU_UTIL,0.0
      0,MEM_COPY_UTIL,0.0
      0,FB_USED_BYTES,1020.0
      0,FB_FREE_BYTES,80001.0
      0,ECC_SBE_VOL_TOTAL,0.0
      0,ECC_DBE_VOL_TOTAL,0.0
      0,NVLINK_BANDWIDTH_TOTAL,3050.0
      0,UNCORRECTABLE_REMAPPED_ROWS,1.0
      0,CORRECTABLE_REMAPPED_ROWS,2.0
      0,ROW_REMAP_FAILURE,0.0
      0,process,4242,1001
      0,gpm_GR_ENGINE_ACTIVE,0.03
      0,gpm_PCIE_TX_BYTES,1234.0
      """;

  @TempDir Path bin;

  private record Result(int exitCode, String output) {}

  private Result run(String probe) throws Exception {
    executable("nvidia-smi", SMI);
    executable("probe", "#!/bin/bash\ncat <<'EOF'\n" + probe + "EOF\n");
    ProcessBuilder builder =
        new ProcessBuilder("bash", SCRIPT.toString(), bin.resolve("probe").toString(), "unused")
            .redirectErrorStream(true);
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }

  private void executable(String name, String content) throws Exception {
    Path file = bin.resolve(name);
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void agreeingValuesWithinToleranceExitZero() throws Exception {
    Result result = run(PROBE);

    assertThat(result.output())
        .doesNotContain("MISMATCH")
        .containsPattern("0 memory_temp +ours=41.0 +smi=40 +OK")
        .containsPattern("0 remapped_uncorrectable +ours=1.0 +smi=1 +OK")
        .containsPattern("0 nvlink_data_kib +ours=3050.0 +smi=3000 +OK")
        .containsPattern("0 process_4242 +ours=1001 +smi=1000 +OK")
        .containsPattern("0 gpm_GR_ENGINE_ACTIVE +ours=0.03 .*OK");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void eachValueOutsideItsToleranceIsAMismatchAndExitsOne() throws Exception {
    Result result =
        run(
            PROBE
                .replace("0,MEMORY_TEMP,41.0", "0,MEMORY_TEMP,44.0")
                .replace("0,CORRECTABLE_REMAPPED_ROWS,2.0", "0,CORRECTABLE_REMAPPED_ROWS,3.0")
                .replace("0,NVLINK_BANDWIDTH_TOTAL,3050.0", "0,NVLINK_BANDWIDTH_TOTAL,3200.0")
                .replace("0,process,4242,1001", "0,process,4242,1100")
                .replace("0,gpm_GR_ENGINE_ACTIVE,0.03", "0,gpm_GR_ENGINE_ACTIVE,3.0"));

    assertThat(
            result
                .output()
                .lines()
                .filter(line -> line.endsWith("MISMATCH"))
                .map(line -> line.split(" +", -1)[1]))
        .containsExactlyInAnyOrder(
            "memory_temp",
            "remapped_correctable",
            "nvlink_data_kib",
            "process_4242",
            "gpm_GR_ENGINE_ACTIVE");
    assertThat(result.exitCode()).isEqualTo(1);
  }

  @Test
  void valuesTheGpuDoesNotSupportAreSkipped() throws Exception {
    Result result =
        run(
            PROBE
                .replace("0,MEMORY_TEMP,41.0", "0,MEMORY_TEMP,ERR 3")
                .replace("0,NVLINK_BANDWIDTH_TOTAL,3050.0", "0,NVLINK_BANDWIDTH_TOTAL,ERR 3"));

    assertThat(result.output()).doesNotContain("memory_temp").doesNotContain("nvlink_data_kib");
    assertThat(result.exitCode()).isZero();
  }
}
