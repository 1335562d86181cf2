package dev.reelay.domain.webhook;

import dev.reelay.domain.error.InvalidRequestException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * What a webhook address must be (docs/api.md): HTTPS, at most 2048 characters, and not an internal
 * address. This checks the URL as written; the resolved address is checked again at delivery time.
 * Local mode may allow {@code http://localhost} receivers, behind a loudly named setting.
 */
public final class WebhookUrlRules {
    public static final int MAX_LENGTH = 2048;
    public static final WebhookUrlRules STRICT = new WebhookUrlRules(false);

    private final boolean allowLocalReceivers;

    public WebhookUrlRules(boolean allowLocalReceivers) {
        this.allowLocalReceivers = allowLocalReceivers;
    }

    public boolean allowsLocalReceivers() {
        return allowLocalReceivers;
    }

    public URI check(String field, String url) {
        if (url.length() > MAX_LENGTH) {
            throw new InvalidRequestException(field, "invalid_callback_url", "'" + field + "' is longer than " + MAX_LENGTH + " characters.");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, "invalid_callback_url", "'" + field + "' is not a valid URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost();
        if (host == null || host.isBlank() || uri.getUserInfo() != null) {
            throw new InvalidRequestException(field, "invalid_callback_url", "'" + field + "' must be an absolute URL with a host and no credentials.");
        }
        boolean local = InternalAddresses.isLocalhostName(host) || InternalAddresses.isInternalLiteral(host);
        if (allowLocalReceivers && local && (scheme.equals("http") || scheme.equals("https"))) {
            return uri;
        }
        if (!scheme.equals("https")) {
            throw new InvalidRequestException(field, "invalid_callback_url", "'" + field + "' must be an HTTPS URL.");
        }
        if (local) {
            throw new InvalidRequestException(field, "internal_callback_url",
                    "'" + field + "' points at an internal address; webhooks go to public HTTPS receivers only.");
        }
        return uri;
    }
}
