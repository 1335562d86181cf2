package dev.reelay.domain.provider;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The configured vendors, in their configured order. For a request it lists the vendors that can
 * serve it, cheapest first, with what each would charge; a request none can serve is refused
 * before anything is billed. The profiles are data: what each vendor can do and charges comes from
 * its definition on the adapter side (docs/vendors.md).
 */
public final class ProviderTable {
    /** The names a request's {@code provider} may take; the adapters' list of vendors is checked against it by a test. */
    public static final List<String> KNOWN = List.of("unified", "kling", "apimart", "gateway");

    /** A vendor that can serve a request, and its price for it. */
    public record Candidate(ProviderProfile profile, Quote quote) {
        public String name() {
            return profile.name();
        }
    }

    private final Map<String, ProviderProfile> profiles;

    public ProviderTable(List<ProviderProfile> profiles) {
        if (profiles.isEmpty()) {
            throw new IllegalArgumentException("No provider is configured");
        }
        this.profiles = new LinkedHashMap<>();
        profiles.forEach(profile -> {
            if (this.profiles.putIfAbsent(profile.name(), profile) != null) {
                throw new IllegalArgumentException("Provider '" + profile.name() + "' is configured twice");
            }
        });
    }

    /**
     * The vendors that can serve the request (only the pinned one when {@code pinned} is set),
     * cheapest first, ties in configured order.
     */
    public List<Candidate> candidates(GenerationRequest request) {
        Set<Capability> needed = needs(request);
        List<ProviderProfile> pool = request.provider() == null ? List.copyOf(profiles.values())
                : List.of(Optional.ofNullable(profiles.get(request.provider())).orElseThrow(() ->
                new InvalidRequestException("provider", "unknown_provider", "'provider' must be one of "
                        + String.join(", ", profiles.keySet()) + "; '" + request.provider() + "' is not configured.")));
        List<Candidate> candidates = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        for (ProviderProfile profile : pool) {
            Set<Capability> missing = EnumSet.copyOf(needed.isEmpty() ? EnumSet.noneOf(Capability.class) : needed);
            missing.removeAll(profile.capabilities());
            Optional<Quote> quote = quote(profile.prices(), request);
            if (missing.isEmpty() && quote.isPresent()) {
                candidates.add(new Candidate(profile, quote.get()));
            } else {
                refusals.add(profile.name() + (missing.isEmpty() ? " has no price for " + request.quality().wire()
                        + " with sound " + request.sound().wire() : " lacks " + missing.stream().map(Capability::wire)
                        .collect(Collectors.joining(", "))));
            }
        }
        if (candidates.isEmpty()) {
            String field = request.provider() != null ? "provider" : fieldOf(needed);
            throw new InvalidRequestException(field, "no_provider_available",
                    "No configured provider can serve this request: " + String.join("; ", refusals) + ".");
        }
        candidates.sort(Comparator.comparing((Candidate c) -> c.quote().costUsd()));
        return candidates;
    }

    public Optional<ProviderProfile> profile(String name) {
        return Optional.ofNullable(profiles.get(name));
    }

    public List<ProviderProfile> profiles() {
        return List.copyOf(profiles.values());
    }

    static Set<Capability> needs(GenerationRequest request) {
        Set<Capability> needed = EnumSet.noneOf(Capability.class);
        if (request.quality() == Quality.P4K) {
            needed.add(Capability.QUALITY_4K);
        }
        if (request.sound() == Sound.ON) {
            needed.add(Capability.SOUND);
        }
        if (request.imageEnd() != null) {
            needed.add(Capability.LAST_FRAME);
        }
        if (!GenerationRequest.IMAGE_TO_VIDEO.equals(request.model())) {
            needed.add(Capability.TEXT_TO_VIDEO);
        }
        Map<String, Object> params = request.modelParams();
        if (params.containsKey("multi_shot")) {
            needed.add(Capability.MULTI_SHOT);
        }
        if (params.containsKey("element_list")) {
            needed.add(Capability.SUBJECTS);
        }
        if (params.containsKey("subjects")) {
            needed.add(Capability.ON_THE_FLY_SUBJECTS);
        }
        if (params.containsKey("voice_list")) {
            needed.add(Capability.VOICES);
        }
        if (params.containsKey("watermark_info")) {
            needed.add(Capability.WATERMARK);
        }
        if (params.containsKey("cfg_scale")) {
            needed.add(Capability.CFG_SCALE);
        }
        if (params.containsKey("camera_control")) {
            needed.add(Capability.CAMERA_CONTROL);
        }
        return needed;
    }

    private static String fieldOf(Set<Capability> needed) {
        if (needed.contains(Capability.QUALITY_4K)) {
            return "quality";
        }
        if (needed.contains(Capability.LAST_FRAME)) {
            return "image_end";
        }
        if (needed.contains(Capability.SOUND)) {
            return "sound";
        }
        if (needed.contains(Capability.TEXT_TO_VIDEO)) {
            return "model";
        }
        return needed.stream().anyMatch(c -> c.ordinal() >= Capability.MULTI_SHOT.ordinal() && c != Capability.TEXT_TO_VIDEO)
                ? "model_params" : "quality";
    }

    private static Optional<Quote> quote(PriceTable prices, GenerationRequest request) {
        try {
            return Optional.of(prices.quote(request.quality(), request.sound(), request.durationSeconds()));
        } catch (InvalidRequestException notPriced) {
            return Optional.empty();
        }
    }
}
