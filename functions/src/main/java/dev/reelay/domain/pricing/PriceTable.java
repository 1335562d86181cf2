package dev.reelay.domain.pricing;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-second pricing, the unified aggregator's model (docs/vendors.md): a base price for 720p without sound, a multiplier per quality and
 * sound, and a minimum of billed seconds. Configurable through one line such as
 * {@code base=0.075;min_seconds=3;credits_per_usd=72;720p/off=1.0;720p/on=1.5;1080p/off=1.333;1080p/on=2.0}.
 */
public final class PriceTable {
    private final BigDecimal baseUsdPerSecond;
    private final int minimumSeconds;
    private final BigDecimal creditsPerUsd;
    private final Map<Quality, Map<Sound, BigDecimal>> multipliers;

    private PriceTable(BigDecimal baseUsdPerSecond, int minimumSeconds, BigDecimal creditsPerUsd,
                       Map<Quality, Map<Sound, BigDecimal>> multipliers) {
        this.baseUsdPerSecond = baseUsdPerSecond;
        this.minimumSeconds = minimumSeconds;
        this.creditsPerUsd = creditsPerUsd;
        this.multipliers = multipliers;
    }

    /** Reads the one-line form; a malformed line fails at once with the offending entry. */
    public static PriceTable parse(String spec) {
        Map<String, String> entries = new HashMap<>();
        for (String entry : spec.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] pair = entry.split("=", 2);
            if (pair.length != 2) {
                throw new IllegalArgumentException("Price table entry '" + entry + "' is not name=value");
            }
            entries.put(pair[0].trim(), pair[1].trim());
        }
        BigDecimal base = decimal(entries.remove("base"), "base");
        int minimum = Integer.parseInt(require(entries.remove("min_seconds"), "min_seconds"));
        BigDecimal credits = decimal(entries.remove("credits_per_usd"), "credits_per_usd");
        Map<Quality, Map<Sound, BigDecimal>> multipliers = new EnumMap<>(Quality.class);
        entries.forEach((tier, value) -> {
            String[] parts = tier.split("/", 2);
            Quality quality = parts.length == 2 ? Quality.fromWire(parts[0]).orElse(null) : null;
            Sound sound = parts.length == 2 ? Sound.fromWire(parts[1]).orElse(null) : null;
            if (quality == null || sound == null) {
                throw new IllegalArgumentException("Price table entry '" + tier + "' is not quality/sound, e.g. 1080p/on");
            }
            multipliers.computeIfAbsent(quality, q -> new EnumMap<>(Sound.class)).put(sound, decimal(value, tier));
        });
        if (multipliers.isEmpty()) {
            throw new IllegalArgumentException("Price table has no quality/sound multipliers");
        }
        return new PriceTable(base, minimum, credits, multipliers);
    }

    /** Prices a request, or refuses it when no price is configured for its quality and sound. */
    public Quote quote(Quality quality, Sound sound, int durationSeconds) {
        BigDecimal multiplier = multipliers.getOrDefault(quality, Map.of()).get(sound);
        if (multiplier == null) {
            throw new InvalidRequestException("quality", "quality_not_available",
                    "No configured provider prices " + quality.wire() + " with sound " + sound.wire() + ".");
        }
        int billed = Math.max(durationSeconds, minimumSeconds);
        BigDecimal cost = baseUsdPerSecond.multiply(multiplier).multiply(BigDecimal.valueOf(billed))
                .setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
        BigDecimal credits = cost.multiply(creditsPerUsd).setScale(4, RoundingMode.HALF_UP).stripTrailingZeros();
        return new Quote(billed, normalized(cost), normalized(credits));
    }

    private static BigDecimal normalized(BigDecimal value) {
        return value.scale() < 0 ? value.setScale(0) : value;
    }

    private static BigDecimal decimal(String value, String name) {
        try {
            return new BigDecimal(require(value, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Price table entry '" + name + "' is not a number: " + value, e);
        }
    }

    private static String require(String value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("Price table has no '" + name + "' entry");
        }
        return value;
    }
}
