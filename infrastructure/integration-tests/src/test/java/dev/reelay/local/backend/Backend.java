package dev.reelay.local.backend;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which engines the end-to-end tests run the local runtime on: the one switch. The system property
 * {@value #PROPERTY} wins, then the environment variable {@value #ENVIRONMENT}; neither set (or
 * blank) means {@link #LOCAL}. An unknown value is an error, never a silent fallback.
 * <pre>
 * mvn verify                              # local (the default)
 * mvn verify -Dreelay.backend=localstack  # LocalStack, in Docker; skipped without a Docker engine
 * </pre>
 */
public enum Backend {
    /** DynamoDB Local, s3proxy and the Step Functions engine under Node, on this machine (no Docker). */
    LOCAL,
    /** One LocalStack container per runtime: its DynamoDB, S3 (with SQS for S3 events), Step Functions and Lambda. */
    LOCALSTACK;

    public static final String PROPERTY = "reelay.backend";
    public static final String ENVIRONMENT = "REELAY_TEST_BACKEND";

    /** As written in the switch: {@code local}, {@code localstack}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The backend this test JVM was asked for. */
    public static Backend selected() {
        return select(System.getProperty(PROPERTY), System.getenv(ENVIRONMENT));
    }

    /** The system property if it is set and not blank, else the environment variable, else {@link #LOCAL}. */
    static Backend select(String property, String environment) {
        return parse(property != null && !property.isBlank() ? property : environment);
    }

    /** Case and surrounding spaces do not matter; null or blank is {@link #LOCAL}. */
    static Backend parse(String value) {
        if (value == null || value.isBlank()) {
            return LOCAL;
        }
        String wanted = value.strip().toLowerCase(Locale.ROOT);
        for (Backend backend : values()) {
            if (backend.id().equals(wanted)) {
                return backend;
            }
        }
        throw new IllegalArgumentException("Unknown test backend '" + value + "' (from -D" + PROPERTY + " or " + ENVIRONMENT
                + "); use one of " + Arrays.stream(values()).map(Backend::id).collect(Collectors.joining(", ")));
    }
}
