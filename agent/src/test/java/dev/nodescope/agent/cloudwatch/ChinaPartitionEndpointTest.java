package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.endpoints.CloudWatchEndpointParams;
import software.amazon.awssdk.services.cloudwatch.endpoints.CloudWatchEndpointProvider;
import software.amazon.awssdk.services.cloudwatchlogs.endpoints.CloudWatchLogsEndpointParams;
import software.amazon.awssdk.services.cloudwatchlogs.endpoints.CloudWatchLogsEndpointProvider;

/** The SDK's own endpoint rules (the ones the bridge's clients use) resolve the aws-cn partition from the region. */
class ChinaPartitionEndpointTest {

  @ParameterizedTest
  @ValueSource(strings = {"cn-north-1", "cn-northwest-1"})
  void chinaRegionsResolveToAmazonawsComCnHosts(String region) {
    String monitoring = CloudWatchEndpointProvider.defaultProvider()
        .resolveEndpoint(CloudWatchEndpointParams.builder().region(Region.of(region)).build()).join().url().getHost();
    String logs = CloudWatchLogsEndpointProvider.defaultProvider()
        .resolveEndpoint(CloudWatchLogsEndpointParams.builder().region(Region.of(region)).build()).join().url()
        .getHost();

    assertThat(monitoring).isEqualTo("monitoring." + region + ".amazonaws.com.cn");
    assertThat(logs).isEqualTo("logs." + region + ".amazonaws.com.cn");
  }
}
