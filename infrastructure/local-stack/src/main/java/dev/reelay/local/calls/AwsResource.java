package dev.reelay.local.calls;

import java.util.Objects;

/**
 * What an AWS call acts on, in the local stack's own names: a table (or one of its indexes), a
 * bucket (or an object in it), a state machine (or one of its executions), a secret, a function;
 * or {@link Kind#ANY} for a call that names no resource (IAM then needs {@code "Resource": "*"}).
 *
 * @param path the index name, object key or execution name, or null for the resource itself
 */
public record AwsResource(Kind kind, String name, String path) {
    public enum Kind { TABLE, INDEX, BUCKET, OBJECT, STATE_MACHINE, EXECUTION, SECRET, FUNCTION, ANY }

    public AwsResource {
        Objects.requireNonNull(kind, "kind");
        if (kind != Kind.ANY) {
            Objects.requireNonNull(name, "name");
        }
        boolean needsPath = kind == Kind.INDEX || kind == Kind.OBJECT || kind == Kind.EXECUTION;
        if (needsPath != (path != null)) {
            throw new IllegalArgumentException(kind + (needsPath ? " needs a path" : " takes no path") + ": " + path);
        }
    }

    public static AwsResource table(String table) {
        return new AwsResource(Kind.TABLE, table, null);
    }

    /** A table, or its index when {@code indexOrNull} is set. */
    public static AwsResource tableOrIndex(String table, String indexOrNull) {
        return indexOrNull == null ? table(table) : new AwsResource(Kind.INDEX, table, indexOrNull);
    }

    public static AwsResource bucket(String bucket) {
        return new AwsResource(Kind.BUCKET, bucket, null);
    }

    public static AwsResource object(String bucket, String key) {
        return new AwsResource(Kind.OBJECT, bucket, key);
    }

    public static AwsResource stateMachine(String name) {
        return new AwsResource(Kind.STATE_MACHINE, name, null);
    }

    public static AwsResource execution(String stateMachine, String execution) {
        return new AwsResource(Kind.EXECUTION, stateMachine, execution);
    }

    public static AwsResource secret(String name) {
        return new AwsResource(Kind.SECRET, name, null);
    }

    public static AwsResource function(String name) {
        return new AwsResource(Kind.FUNCTION, name, null);
    }

    public static AwsResource any() {
        return new AwsResource(Kind.ANY, null, null);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ANY -> "*";
            case INDEX -> "table " + name + "/index/" + path;
            case OBJECT -> "s3://" + name + "/" + path;
            case EXECUTION -> "execution " + name + ":" + path;
            default -> kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " " + name;
        };
    }
}
