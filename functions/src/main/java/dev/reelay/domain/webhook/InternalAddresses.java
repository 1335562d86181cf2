package dev.reelay.domain.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Which addresses a webhook may never reach: loopback, private ranges, link-local (including the
 * cloud metadata address 169.254.169.254), carrier-grade NAT, "this network", multicast and their
 * IPv6 forms (::1, fc00::/7, fe80::/10, IPv4-mapped and -compatible addresses).
 */
public final class InternalAddresses {
    private InternalAddresses() {
    }

    public static boolean isLocalhostName(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        return name.equals("localhost") || name.endsWith(".localhost");
    }

    /** True when {@code host} is an IP literal (v4, or v6 in brackets or not) of an internal address. */
    public static boolean isInternalLiteral(String host) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
            return false;
        }
        try {
            // Numeric literals only: getByName does not look anything up for them.
            return isInternal(InetAddress.getByName(literal));
        } catch (UnknownHostException notALiteral) {
            return true; // an address we cannot even parse is not one we will call
        }
    }

    public static boolean isInternal(InetAddress address) {
        byte[] raw = address.getAddress();
        if (raw.length == 16 && isMappedOrCompatibleV4(raw)) {
            byte[] v4 = {raw[12], raw[13], raw[14], raw[15]};
            try {
                return isInternal(InetAddress.getByAddress(v4));
            } catch (UnknownHostException impossible) {
                return true;
            }
        }
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        int first = raw[0] & 0xff;
        int second = raw[1] & 0xff;
        if (raw.length == 4) {
            return first == 0 || first == 10 || first == 127 || (first == 100 && second >= 64 && second <= 127)
                    || (first == 169 && second == 254) || (first == 172 && second >= 16 && second <= 31)
                    || (first == 192 && second == 168) || (first == 192 && second == 0 && (raw[2] & 0xff) == 0)
                    || (first == 198 && (second == 18 || second == 19)) || first >= 224;
        }
        return (first & 0xfe) == 0xfc || (first == 0xfe && (second & 0xc0) == 0x80);
    }

    private static boolean isMappedOrCompatibleV4(byte[] raw) {
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        boolean mapped = (raw[10] & 0xff) == 0xff && (raw[11] & 0xff) == 0xff;
        boolean compatible = raw[10] == 0 && raw[11] == 0 && !(raw[12] == 0 && raw[13] == 0 && raw[14] == 0 && (raw[15] & 0xff) <= 1);
        return mapped || compatible;
    }
}
