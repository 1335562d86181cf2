package dev.reelay.adapter.provider.kling;

/**
 * How Reelay proves itself to Kling: an access key and secret key (a short-lived JWT is signed
 * from them), or a plain API key sent as the bearer token as it is. {@code toString} never shows
 * a secret.
 */
public sealed interface KlingCredentials {

    static KlingCredentials accessKeys(String accessKey, String secretKey) {
        return new AccessKeys(accessKey, secretKey);
    }

    static KlingCredentials apiKey(String apiKey) {
        return new ApiKey(apiKey);
    }

    record AccessKeys(String accessKey, String secretKey) implements KlingCredentials {
        public AccessKeys {
            requireText(accessKey, "access key");
            requireText(secretKey, "secret key");
        }

        @Override
        public String toString() {
            return "KlingCredentials.AccessKeys[***]";
        }
    }

    record ApiKey(String value) implements KlingCredentials {
        public ApiKey {
            requireText(value, "API key");
        }

        @Override
        public String toString() {
            return "KlingCredentials.ApiKey[***]";
        }
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("The Kling " + what + " is missing.");
        }
    }
}
