package cocoon.e2e.reliability;

import cocoon.e2e.CocoonCli;
import cocoon.e2e.NetworkNamespace;
import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A store of its own whose bridge VMs live in a network namespace the test makes (DESIGN §6), on the documentation
 * subnet 198.51.100.0/24: every command but the pull (the registry listens on the host's loopback) runs inside it,
 * so the bridge, the TAPs and Cocoon's nftables table exist only there and go with it. Reads the host side back
 * for the checks: which TAPs and DNAT rules exist, which addresses are leased, and which of them belong to no
 * running VM.
 */
final class BridgeStore implements AutoCloseable {

    static final String SUBNET = "198.51.100.0/24";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TAP = Pattern.compile("^\\d+: (ck[0-9a-f]{12}):", Pattern.MULTILINE);
    private static final Pattern DNAT = Pattern.compile("dnat to ([0-9.]+):\\d+");

    private final NetworkNamespace namespace;
    private final CocoonCli inside;
    private final String image;

    private BridgeStore(NetworkNamespace namespace, CocoonCli inside, String image) {
        this.namespace = namespace;
        this.inside = inside;
        this.image = image;
    }

    /** The demo guest pulled into a store under {@code dir}, and namespace {@code cocoon-rel-<label>-<pid>} for it. */
    static BridgeStore open(Path dir, RegistryFixture registry, String label) throws Exception {
        Cocoon outside = new Cocoon(dir.resolve("bridge-state"));
        outside.config(Files.readString(outside.configFile()) + "[network]\nsubnet = \"" + SUBNET
                + "\"\ndns = \"192.0.2.53\"\n");
        String image = DemoGuest.pushAndPull(Files.createDirectories(dir.resolve("bridge-demo")), registry, outside);
        NetworkNamespace namespace = NetworkNamespace.create(
                "cocoon-rel-" + label + "-" + ProcessHandle.current().pid());
        return new BridgeStore(namespace, outside.inNetworkNamespace(namespace.name()), image);
    }

    /** Cocoon inside the namespace: every command on this store must run here. */
    CocoonCli cocoon() {
        return inside;
    }

    String image() {
        return image;
    }

    /** {@code create} of a small QEMU (TCG) demo guest on the bridge, with {@code extra} flags such as {@code -p}. */
    String[] create(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "create",
                "--network",
                "bridge",
                "--name",
                name,
                "--hypervisor",
                "qemu",
                "--accel",
                "tcg",
                "--cpu",
                "1",
                "--memory",
                "256M",
                "--storage",
                "256M"));
        args.addAll(List.of(extra));
        args.add(image);
        return args.toArray(String[]::new);
    }

    /**
     * A python3 in the namespace listening on 127.0.0.1:{@code port} once this returns: a program holding a host port.
     * {@code ip netns exec} execs it, so the process's pid is the holder's.
     */
    Process portHolder(int port) throws IOException {
        Process holder = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        namespace.name(),
                        "python3",
                        "-c",
                        "import socket,time; s=socket.socket(); s.bind(('127.0.0.1'," + port
                                + ")); s.listen(); print('held', flush=True); time.sleep(120)")
                .redirectErrorStream(true)
                .start();
        String said =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"held".equals(said)) {
            holder.destroyForcibly();
            throw new AssertionError("python3 could not hold 127.0.0.1:" + port + ": " + said);
        }
        return holder;
    }

    /** Cocoon's TAPs in the namespace. */
    List<String> taps() {
        List<String> taps = new ArrayList<>();
        Matcher tap = TAP.matcher(namespace.output("ip", "-o", "link", "show"));
        while (tap.find()) {
            taps.add(tap.group(1));
        }
        return taps;
    }

    /** The DNAT rules of Cocoon's table in the namespace, as nft lists them. */
    List<String> dnatRules() {
        return namespace
                .output("nft", "list", "table", "ip", "cocoon")
                .lines()
                .map(String::strip)
                .filter(line -> line.contains(" dnat to "))
                .toList();
    }

    /** Leased address to the id of the VM holding it. */
    Map<String, String> leases() throws IOException {
        Map<String, String> leases = new TreeMap<>();
        Path dir = inside.root().resolve("network/leases");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path lease : files.toList()) {
                    leases.put(
                            lease.getFileName().toString(),
                            Files.readString(lease).strip());
                }
            }
        }
        return leases;
    }

    /** {@code inspect}'s network section of {@code vm}: mode, mac, address, tap, published. */
    JsonNode network(String vm) throws IOException {
        return JSON.readTree(inside.run("inspect", "--format", "json", vm).ok().out())
                .path("network");
    }

    /**
     * What the host holds for VMs that do not run, each line one violation: a TAP or a DNAT rule of no running VM,
     * a running VM without its TAP, a lease of no VM (a VM record), a record of running ports of no running VM.
     */
    List<String> strays() throws IOException {
        Set<String> ids = new HashSet<>();
        Set<String> runningTaps = new HashSet<>();
        Set<String> runningAddresses = new HashSet<>();
        Set<String> runningIds = new HashSet<>();
        for (JsonNode vm :
                JSON.readTree(inside.run("ps", "--format", "json").ok().out())) {
            ids.add(vm.path("id").asText());
            if (vm.path("state").asText().equalsIgnoreCase("running")) {
                runningIds.add(vm.path("id").asText());
                for (JsonNode nic : vm.path("network").path("nics")) {
                    runningTaps.add(nic.path("device").asText());
                    runningAddresses.add(nic.path("address").asText());
                }
            }
        }
        List<String> strays = new ArrayList<>();
        List<String> taps = taps();
        taps.stream()
                .filter(tap -> !runningTaps.contains(tap))
                .forEach(tap -> strays.add("TAP " + tap + " of no running VM"));
        runningTaps.stream()
                .filter(tap -> !taps.contains(tap))
                .forEach(tap -> strays.add("running VM without its TAP " + tap));
        for (String rule : dnatRules()) {
            Matcher target = DNAT.matcher(rule);
            if (target.find() && !runningAddresses.contains(target.group(1))) {
                strays.add("DNAT rule of no running VM: " + rule);
            }
        }
        leases().forEach((address, vm) -> {
            if (!ids.contains(vm)) {
                strays.add("lease of " + address + " by " + vm + ", which has no record");
            }
        });
        Path cards = inside.root().resolve("network/running");
        if (Files.isDirectory(cards)) {
            try (Stream<Path> files = Files.list(cards)) {
                files.map(file -> file.getFileName().toString())
                        .filter(vm -> !runningIds.contains(vm))
                        .forEach(vm -> strays.add("ports recorded as running for " + vm + ", which does not run"));
            }
        }
        return strays;
    }

    /** What the host holds for Cocoon's VMs, for a results note: {@code 1 TAP + 2 DNAT rules + 1 lease}. */
    String hostSide() throws IOException {
        return taps().size() + " TAP + " + dnatRules().size() + " DNAT rules + " + leases().size() + " lease";
    }

    /** Removes every VM of the store from inside the namespace, then the namespace with all it holds. */
    @Override
    public void close() throws IOException {
        try {
            for (JsonNode vm :
                    JSON.readTree(inside.run("ps", "--format", "json").out())) {
                inside.run("rm", "--force", vm.path("id").asText());
            }
        } finally {
            namespace.close();
        }
    }
}
