package cocoon.api;

import java.util.Locale;

/**
 * One {@code -p/--publish} rule: traffic to {@code hostIp:hostPort} on the host reaches {@code guestPort} in
 * the VM. IPv4 only for now.
 */
public record PublishedPort(String hostIp, int hostPort, int guestPort, Protocol protocol) {

    /** Published ports bind loopback unless the user names another host address: exposing a VM is explicit. */
    public static final String DEFAULT_HOST_IP = "127.0.0.1";

    public enum Protocol {
        TCP,
        UDP;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Reads {@code [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp]}.
     *
     * @throws InvalidInputException naming the value and the form it takes
     */
    public static PublishedPort parse(String text) {
        String rule = text == null ? "" : text.strip();
        Protocol protocol = Protocol.TCP;
        int slash = rule.lastIndexOf('/');
        if (slash >= 0) {
            protocol = switch (rule.substring(slash + 1).toLowerCase(Locale.ROOT)) {
                case "tcp" -> Protocol.TCP;
                case "udp" -> Protocol.UDP;
                default -> throw refused(text, "the protocol is tcp or udp");
            };
            rule = rule.substring(0, slash);
        }
        String[] parts = rule.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw refused(text, "write it as [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp], e.g. 8080:80");
        }
        String hostIp = parts.length == 3 ? ipv4(parts[0], text) : DEFAULT_HOST_IP;
        int hostPort = port(parts[parts.length - 2], text);
        int guestPort = port(parts[parts.length - 1], text);
        return new PublishedPort(hostIp, hostPort, guestPort, protocol);
    }

    /** The rule as {@code parse} reads it, host address and protocol spelled out. */
    @Override
    public String toString() {
        return hostIp + ":" + hostPort + ":" + guestPort + "/" + protocol.label();
    }

    /** The host side, as a port in use is named to the user: {@code 127.0.0.1:8080/tcp}. */
    public String hostSide() {
        return hostIp + ":" + hostPort + "/" + protocol.label();
    }

    private static String ipv4(String text, String rule) {
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            throw refused(
                    rule, "the host address must be an IPv4 address such as 127.0.0.1 (IPv6 is not supported yet)");
        }
        for (String octet : octets) {
            if (octet.isEmpty()
                    || octet.length() > 3
                    || !octet.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(octet) > 255) {
                throw refused(
                        rule, "the host address must be an IPv4 address such as 127.0.0.1 (IPv6 is not supported yet)");
            }
        }
        return text;
    }

    private static int port(String text, String rule) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            throw refused(rule, "ports are numbers from 1 to 65535");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw refused(rule, "ports are numbers from 1 to 65535");
        }
        return port;
    }

    private static InvalidInputException refused(String rule, String fix) {
        return new InvalidInputException("--publish '" + rule + "' is not a port rule", fix);
    }
}
