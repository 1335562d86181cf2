package dev.reelay.domain.apikey;

import dev.reelay.domain.error.InvalidRequestException;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.OptionalInt;

/**
 * API key secrets ({@code rly_} and 43 base64url characters: 256 random bits) and the rules for
 * key names, budgets and concurrency caps. Only the SHA-256 of a secret is stored: a plain hash
 * suffices because the secret is random and long, so there is nothing to guess and no need for a
 * slow password hash.
 */
public final class ApiKeySecrets {
    public static final String PREFIX = "rly_";
    private static final String NAME_RULE = "[a-z0-9][a-z0-9-]{0,62}";

    private ApiKeySecrets() {
    }

    public static String generate(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether a presented key can be one of ours at all: saves a table read on junk. */
    public static boolean wellFormed(String presented) {
        return presented != null && presented.matches("rly_[A-Za-z0-9_-]{43}");
    }

    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** Names are lower-case letters, digits and hyphens, so that they work as an S3 prefix and in URLs. */
    public static String checkName(String name) {
        if (name == null || !name.matches(NAME_RULE)) {
            throw new InvalidRequestException("name", "invalid_key_name",
                    "A key name must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit.");
        }
        return name;
    }

    public static BigDecimal checkBudget(BigDecimal monthlyBudgetUsd) {
        if (monthlyBudgetUsd != null && (monthlyBudgetUsd.signum() < 0 || monthlyBudgetUsd.scale() > 6)) {
            throw new InvalidRequestException("monthly_budget_usd", "invalid_budget",
                    "A monthly budget is a non-negative amount of US dollars with at most 6 decimals.");
        }
        return monthlyBudgetUsd;
    }

    /** A key's own cap on the vendor slots it holds at once: a whole number of at least 1; null for none. */
    public static OptionalInt checkMaxConcurrency(Integer maxConcurrency) {
        if (maxConcurrency == null) {
            return OptionalInt.empty();
        }
        if (maxConcurrency < 1) {
            throw new InvalidRequestException("max_concurrency", "invalid_max_concurrency",
                    "A key's maximum concurrency is a whole number of at least 1.");
        }
        return OptionalInt.of(maxConcurrency);
    }
}
