package dev.reelay.adapter.webhook;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.webhook.InternalAddresses;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.WebhookSender;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sends webhooks over the one HTTP client ({@link HttpTransport}). Before each POST it resolves the
 * receiver's host and refuses when any of its addresses is internal (loopback, private,
 * link-local/metadata, ...): a URL that passed the rules at submission may since resolve
 * elsewhere. Local mode's escape hatch lets a {@code localhost} or loopback-literal receiver
 * through, and nothing else internal. Redirects are not followed: a 3xx is a failed delivery,
 * as following one would let a public receiver bounce the POST to an internal address.
 * <p>
 * Limit: the check resolves the name, then the HTTP client resolves it again to connect. A DNS
 * server that answers differently within that gap (TTL 0 "rebinding") can still win; closing
 * that means connecting to the checked address itself, which the url-connection client cannot
 * do for HTTPS without losing SNI and certificate checks on the host name. The JVM's own DNS
 * cache (30 s by default) usually answers the second lookup with the first answer.
 * <p>
 * Timeout: {@link HttpTransport} has no per-call timeout, so the transport given here must be
 * built on a client with {@value #TIMEOUT_SECONDS} s connection and socket timeouts. The socket
 * timeout bounds each read, not the whole exchange; the body of the answer is never read.
 */
public final class HttpWebhookSender implements WebhookSender {
    public static final int TIMEOUT_SECONDS = 10;
    public static final String USER_AGENT = "Reelay-Webhooks/1";
    public static final String INTERNAL_ADDRESS = "internal address";

    /** Name resolution, replaceable in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final HttpTransport http;
    private final WebhookUrlRules rules;
    private final Resolver resolver;

    public HttpWebhookSender(HttpTransport http, WebhookUrlRules rules) {
        this(http, rules, InetAddress::getAllByName);
    }

    public HttpWebhookSender(HttpTransport http, WebhookUrlRules rules, Resolver resolver) {
        this.http = http;
        this.rules = rules;
        this.resolver = resolver;
    }

    @Override
    public Result send(URI url, Map<String, String> headers, byte[] body) {
        String host = url.getHost();
        if (host == null) {
            throw new IllegalArgumentException("A webhook URL without a host reached the sender: URL rules were skipped");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return Result.noAnswer("unknown host " + host);
        }
        if (refused(host, addresses)) {
            return Result.noAnswer(INTERNAL_ADDRESS);
        }
        Map<String, String> request = new LinkedHashMap<>(headers);
        request.put("Content-Type", "application/json");
        request.put("User-Agent", USER_AGENT);
        int status;
        try {
            HttpTransport.Streamed answer = http.open(SdkHttpMethod.POST, url, request, body);
            try (InputStream ignored = answer.body()) {
                status = answer.status();
            }
        } catch (IOException e) {
            return Result.noAnswer(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        if (status >= 200 && status < 300) {
            return Result.delivered(status);
        }
        return Result.refused(status, status >= 300 && status < 400 ? "redirect not followed" : null);
    }

    private boolean refused(String host, InetAddress[] addresses) {
        if (Arrays.stream(addresses).noneMatch(InternalAddresses::isInternal)) {
            return false;
        }
        boolean localReceiver = rules.allowsLocalReceivers()
                && (InternalAddresses.isLocalhostName(host) || InternalAddresses.isInternalLiteral(host))
                && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
        return !localReceiver;
    }
}
