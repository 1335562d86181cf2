package dev.reelay.adapter.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.provider.Capability;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.net.URI;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one list of vendor definitions, and what each definition says about itself. */
class VendorsTest {
    @Test
    void theDefinitionsAreTheVendorsARequestMayName() {
        assertThat(Vendors.names()).containsExactlyElementsOf(ProviderTable.KNOWN);
    }

    @Test
    void eachDefinitionBuildsAClientOfItsOwnName() {
        ProviderCredentials credentials = ProviderCredentials.of(Map.of("unified", Map.of("api_key", "k"),
                "apimart", Map.of("api_key", "k"), "gateway", Map.of("api_key", "k"), "kling", Map.of("api_key", "k")));
        for (VendorDefinition vendor : Vendors.ALL) {
            var connection = new VendorDefinition.Connection(URI.create("https://" + vendor.name() + ".test"),
                    new HttpTransport(UrlConnectionHttpClient.create()), () -> credentials, new ObjectMapper(), Clock.systemUTC());
            assertThat(vendor.client(connection).name()).isEqualTo(vendor.name());
        }
    }

    @Test
    void callbacksAndCancelAreCapabilitiesExactlyWhenTheDefinitionSaysSo() {
        for (VendorDefinition vendor : Vendors.ALL) {
            assertThat(vendor.features()).doesNotContain(Capability.CALLBACKS, Capability.CANCEL);
            assertThat(vendor.capabilities().contains(Capability.CALLBACKS)).isEqualTo(vendor.callbacks() != VendorDefinition.Callbacks.NONE);
            assertThat(vendor.capabilities().contains(Capability.CANCEL)).isEqualTo(vendor.cancel() != VendorDefinition.Cancel.NONE);
        }
        assertThat(Vendors.names().stream().filter(name -> Vendors.named(name).capabilities().contains(Capability.CALLBACKS))).containsExactly("unified", "kling");
        assertThat(Vendors.names().stream().filter(name -> Vendors.named(name).capabilities().contains(Capability.CANCEL))).containsExactly("unified", "apimart");
    }

    @Test
    void theParametersAVendorAcceptsAreOnesOnlyItsCapabilitiesWouldRouteToIt() {
        Map<String, Capability> needs = Map.of("element_list", Capability.SUBJECTS, "subjects", Capability.ON_THE_FLY_SUBJECTS,
                "voice_list", Capability.VOICES, "watermark_info", Capability.WATERMARK, "cfg_scale", Capability.CFG_SCALE,
                "camera_control", Capability.CAMERA_CONTROL, "multi_shot", Capability.MULTI_SHOT);
        for (VendorDefinition vendor : Vendors.ALL) {
            for (String model : new String[] {GenerationRequest.IMAGE_TO_VIDEO, GenerationRequest.TEXT_TO_VIDEO}) {
                vendor.acceptedParameters(model).ifPresent(accepted -> needs.forEach((parameter, capability) ->
                        assertThat(accepted.contains(parameter)).as(vendor.name() + " " + model + " " + parameter)
                                .isEqualTo(vendor.capabilities().contains(capability))));
            }
        }
    }

    @Test
    void anUnknownVendorIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Vendors.named("sora")).hasMessageContaining("Unknown provider 'sora'; known: unified, kling, apimart, gateway");
    }
}
