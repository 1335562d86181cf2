package dev.reelay.adapter.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.Capability;
import dev.reelay.domain.provider.ProviderProfile;
import dev.reelay.port.ProviderClient;

import java.net.URI;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Everything Reelay knows about one vendor, in one place: its name, what it can do, the model
 * parameters its client maps, its default prices, how it calls back and cancels, and how to build
 * its client. Each vendor has one package, {@code adapter/provider/<vendor>/}, holding its
 * definition, its client and its error mapping; {@link Vendors#ALL} lists the definitions. The
 * domain never sees a definition: it gets the {@link ProviderProfile} a definition makes.
 * See docs/vendors.md.
 */
public interface VendorDefinition {
    /** The vendor's name in {@code PROVIDER_ENDPOINTS}, {@code PROVIDER_PRICES}, the credentials and a request's {@code provider}. */
    String name();

    /** What it can do beyond the basics, callbacks and cancel aside: those follow from {@link #callbacks()} and {@link #cancel()}. */
    Set<Capability> features();

    /**
     * The {@code model_params} its client maps for a Reelay model; its client refuses any other
     * before calling. Empty when the client passes {@code model_params} through as they are.
     */
    Optional<Set<String>> acceptedParameters(String model);

    /** Its per-second prices unless {@code PROVIDER_PRICES} names it. */
    PriceTable defaultPrices();

    /** Whether and when it calls back; by default it does not (polling finds the result). */
    default Callbacks callbacks() {
        return Callbacks.NONE;
    }

    /** Whether Reelay can stop a job it accepted; by default it cannot. */
    default Cancel cancel() {
        return Cancel.NONE;
    }

    /** Its client, in its own dialect, reading its credentials on first use. */
    ProviderClient client(Connection connection);

    /** Whether and when the vendor calls back the {@code callback_url} it was given. */
    enum Callbacks {
        /** It has no callback Reelay knows of; polling finds the result. */
        NONE,
        /** On every status change (several per job). */
        EVERY_STATUS_CHANGE,
        /** Once, when the job ends. */
        ONCE_AT_END
    }

    /** Whether Reelay can stop a job the vendor accepted. */
    enum Cancel {
        /** No cancel endpoint: a cancelled task's job renders on and is billed. */
        NONE,
        /** {@code POST /v1/tasks/{id}/cancel} answering the task, ASSUMED and read tolerantly (see {@link AssumedCancel}). */
        ASSUMED_TASK_CANCEL
    }

    /** What a client is built from. */
    record Connection(URI baseUrl, HttpTransport http, Supplier<ProviderCredentials> credentials, ObjectMapper json, Clock clock) {
        /** The vendor's {@code api_key}, read when first needed. */
        public Supplier<String> apiKey(String provider) {
            return () -> credentials.get().require(provider, "api_key");
        }
    }

    /** Its features, plus {@link Capability#CALLBACKS} and {@link Capability#CANCEL} when it has them. */
    default Set<Capability> capabilities() {
        Set<Capability> capabilities = features().isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(features());
        if (callbacks() != Callbacks.NONE) {
            capabilities.add(Capability.CALLBACKS);
        }
        if (cancel() != Cancel.NONE) {
            capabilities.add(Capability.CANCEL);
        }
        return capabilities;
    }

    /** The vendor at {@code baseUrl}, at its default prices. */
    default ProviderProfile profile(URI baseUrl) {
        return profile(baseUrl, defaultPrices());
    }

    default ProviderProfile profile(URI baseUrl, PriceTable prices) {
        return new ProviderProfile(name(), baseUrl, capabilities(), prices);
    }
}
