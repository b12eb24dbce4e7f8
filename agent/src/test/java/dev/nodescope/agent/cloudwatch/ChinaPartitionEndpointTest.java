package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.endpoints.CloudWatchEndpointParams;
import software.amazon.awssdk.services.cloudwatch.endpoints.CloudWatchEndpointProvider;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.endpoints.CloudWatchLogsEndpointParams;
import software.amazon.awssdk.services.cloudwatchlogs.endpoints.CloudWatchLogsEndpointProvider;

/**
 * The aws-cn partition is resolved from the region alone, by the SDK's rules and by the bridge's
 * own clients.
 */
class ChinaPartitionEndpointTest {

  @BeforeAll
  static void staticCredentials() {
    FakeCloudWatch.useExampleCredentials();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cn-north-1", "cn-northwest-1"})
  void chinaRegionsResolveToAmazonawsComCnHosts(String region) {
    String monitoring =
        CloudWatchEndpointProvider.defaultProvider()
            .resolveEndpoint(CloudWatchEndpointParams.builder().region(Region.of(region)).build())
            .join()
            .url()
            .getHost();
    String logs =
        CloudWatchLogsEndpointProvider.defaultProvider()
            .resolveEndpoint(
                CloudWatchLogsEndpointParams.builder().region(Region.of(region)).build())
            .join()
            .url()
            .getHost();

    assertThat(monitoring).isEqualTo("monitoring." + region + ".amazonaws.com.cn");
    assertThat(logs).isEqualTo("logs." + region + ".amazonaws.com.cn");
  }

  /** Records where a request would go, then stops it before anything leaves the machine. */
  private static final class HostRecorder implements ExecutionInterceptor {
    final List<String> hosts = new ArrayList<>();

    @Override
    public void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      hosts.add(context.httpRequest().protocol() + "://" + context.httpRequest().host());
      throw new IllegalStateException("stopped before transmission");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cn-north-1", "cn-northwest-1"})
  void theBridgesClientsSendChinaRegionsToAmazonawsComCn(String region) {
    CloudWatchSettings settings =
        new CloudWatchSettings(
            region,
            "c1",
            Duration.ofSeconds(60),
            Optional.empty(),
            "/aws/containerinsights/c1/performance",
            "Nodescope",
            Declarations.defaults(),
            List.of(),
            false,
            10,
            Duration.ofMinutes(10));
    HostRecorder recorder = new HostRecorder();
    try (CloudWatchClient cloudWatch =
            CloudWatchBridge.configure(CloudWatchClient.builder(), settings)
                .overrideConfiguration(c -> c.addExecutionInterceptor(recorder))
                .build();
        CloudWatchLogsClient logs =
            CloudWatchBridge.configure(CloudWatchLogsClient.builder(), settings)
                .overrideConfiguration(c -> c.addExecutionInterceptor(recorder))
                .build()) {
      assertThatThrownBy(() -> cloudWatch.putMetricData(r -> r.namespace("Nodescope")))
          .hasMessageContaining("stopped before transmission");
      assertThatThrownBy(() -> logs.putLogEvents(r -> r.logGroupName("g").logStreamName("s")))
          .hasMessageContaining("stopped before transmission");
    }
    assertThat(recorder.hosts)
        .containsExactly(
            "https://monitoring." + region + ".amazonaws.com.cn",
            "https://logs." + region + ".amazonaws.com.cn");
  }
}
