package dev.reelay.local.sandbox;

import java.util.Optional;

/**
 * A refusal, raised by the kit or by a dialect, that the dialect answers in its own error envelope
 * ({@link Dialect#errorBody}). The kind says what went wrong in vendor-neutral terms; a {@link Kind#VENDOR}
 * error carries the vendor's own code (and type, for vendors that have one), as scripted refusals do.
 */
public final class ApiError extends Exception {
    public enum Kind {
        MALFORMED_BODY, INVALID_PARAMETER, INVALID_IMAGE, UNAUTHENTICATED,
        TASK_NOT_FOUND, FILE_NOT_FOUND, NO_ROUTE,
        /** The account already runs as many jobs as {@link SandboxSettings#maxParallelTasks()} allows: HTTP 429. */
        CONCURRENCY_LIMIT,
        VENDOR, INTERNAL
    }

    private final int status;
    private final Kind kind;
    private final String vendorCode;
    private final String vendorType;

    private ApiError(int status, Kind kind, String vendorCode, String vendorType, String message) {
        super(message, null, false, false);
        this.status = status;
        this.kind = kind;
        this.vendorCode = vendorCode;
        this.vendorType = vendorType;
    }

    public static ApiError malformedBody(String message) {
        return new ApiError(400, Kind.MALFORMED_BODY, null, null, message);
    }

    public static ApiError invalidParameter(String message) {
        return new ApiError(400, Kind.INVALID_PARAMETER, null, null, message);
    }

    public static ApiError invalidImage(String message) {
        return new ApiError(400, Kind.INVALID_IMAGE, null, null, message);
    }

    public static ApiError unauthenticated(String message) {
        return new ApiError(401, Kind.UNAUTHENTICATED, null, null, message);
    }

    public static ApiError taskNotFound(String message) {
        return new ApiError(404, Kind.TASK_NOT_FOUND, null, null, message);
    }

    static ApiError fileNotFound(String message) {
        return new ApiError(404, Kind.FILE_NOT_FOUND, null, null, message);
    }

    static ApiError noRoute(String message) {
        return new ApiError(404, Kind.NO_ROUTE, null, null, message);
    }

    static ApiError concurrencyLimit(String message) {
        return new ApiError(429, Kind.CONCURRENCY_LIMIT, null, null, message);
    }

    /** An error in the vendor's own terms, e.g. Kling's 401 with code 1004 for an expired token. */
    public static ApiError vendor(int status, String code, String type, String message) {
        return new ApiError(status, Kind.VENDOR, code, type, message);
    }

    static ApiError scripted(SandboxFaults.Refusal refusal) {
        return vendor(refusal.status(), refusal.code(), refusal.type(), refusal.message());
    }

    public static ApiError internal(String message) {
        return new ApiError(500, Kind.INTERNAL, null, null, message);
    }

    public int status() {
        return status;
    }

    public Kind kind() {
        return kind;
    }

    /** Present for {@link Kind#VENDOR} errors. */
    public Optional<String> vendorCode() {
        return Optional.ofNullable(vendorCode);
    }

    /** Present for {@link Kind#VENDOR} errors that named a type. */
    public Optional<String> vendorType() {
        return Optional.ofNullable(vendorType);
    }
}
