package cocoon.plugin.net;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The host's side of the bridge mode, made with {@code ip} and {@code nft}: the bridge, one TAP per running VM
 * and Cocoon's table. Every step is idempotent, so the next start or stop repairs whatever a kill left.
 */
final class BridgeHost {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern TAP_NAME = Pattern.compile(BridgeNetwork.TAP_PREFIX + "[0-9a-f]{12}");

    private final Processes processes;
    private final String bridge;
    private final Subnet subnet;
    private final Path ipv4Settings;
    private final Path rulesetFile;

    BridgeHost(Processes processes, String bridge, Subnet subnet, Path ipv4Settings, Path rulesetFile) {
        this.processes = processes;
        this.bridge = bridge;
        this.subnet = subnet;
        this.ipv4Settings = ipv4Settings;
        this.rulesetFile = rulesetFile;
    }

    /** The bridge up with the gateway's address, made on first use (and again after a reboot took it). */
    void ensureBridge() {
        if (processes
                        .runAllowingFailure(List.of("ip", "link", "show", "dev", bridge), TIMEOUT)
                        .exitCode()
                != 0) {
            ip("link", "add", "name", bridge, "type", "bridge");
        }
        ip("addr", "replace", subnet.gateway() + "/" + subnet.prefix(), "dev", bridge);
        ip("link", "set", "dev", bridge, "up");
        // A port published on 127.0.0.1 is DNATed to a guest with its loopback source kept until the
        // masquerade: Linux routes such packets out of the bridge only with route_localnet on it.
        turnOn(ipv4Settings.resolve("conf").resolve(bridge).resolve("route_localnet"));
    }

    /** Guests' egress is routed by the host, which Linux does only with forwarding on. */
    void enableForwarding() {
        turnOn(ipv4Settings.resolve("ip_forward"));
    }

    private static void turnOn(Path setting) {
        try {
            if (!Files.readString(setting).strip().equals("1")) {
                Files.writeString(setting, "1\n");
            }
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot turn on " + setting + ": " + e.getMessage(), "run as root, or set it to 1 with sysctl");
        }
    }

    /** A fresh TAP on the bridge: one a killed run left behind is replaced, not reused half-configured. */
    void addTap(String tap) {
        removeTap(tap);
        ip("tuntap", "add", "dev", tap, "mode", "tap");
        ip("link", "set", "dev", tap, "master", bridge, "up");
    }

    void removeTap(String tap) {
        processes.runAllowingFailure(List.of("ip", "link", "del", "dev", tap), TIMEOUT);
    }

    /** Cocoon's TAPs on this host, of running VMs or not: {@code ck} and 12 hex digits (DESIGN §5b). */
    List<String> taps() {
        List<String> taps = new ArrayList<>();
        // "7: ck0123456789ab: <BROADCAST,MULTICAST> mtu 1500 ...", one line per device
        for (String line : processes
                .run(List.of("ip", "-o", "link", "show"), TIMEOUT)
                .stdout()
                .lines()
                .toList()) {
            String[] fields = line.split(": ", 3);
            if (fields.length == 3 && TAP_NAME.matcher(fields[1]).matches()) {
                taps.add(fields[1]);
            }
        }
        return taps;
    }

    /** The DNAT rules of Cocoon's table as the kernel has them now, as {@code nft} prints them; none without a table. */
    Set<String> dnatRules() {
        Processes.Result listed =
                processes.runAllowingFailure(List.of("nft", "list", "table", "ip", NatRuleset.TABLE), TIMEOUT);
        if (listed.exitCode() != 0) {
            return Set.of();
        }
        return listed.stdout()
                .lines()
                .map(String::strip)
                .filter(line -> line.contains(" dnat to "))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** Replaces Cocoon's whole table in one {@code nft -f} transaction. */
    void applyRules(NatRuleset rules) {
        try {
            Files.createDirectories(rulesetFile.getParent());
            Files.writeString(rulesetFile, rules.render());
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot write " + rulesetFile + ": " + e.getMessage(), "check permissions of " + rulesetFile);
        }
        processes.run(List.of("nft", "-f", rulesetFile.toString()), TIMEOUT);
    }

    private void ip(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        processes.run(argv, TIMEOUT);
    }
}
