package cocoon.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test makes and deletes (DESIGN §6), its loopback up: whatever a test runs in it,
 * guests included, can reach nothing outside it. Deleting it removes every device and table made inside.
 */
public final class NetworkNamespace implements AutoCloseable {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

    private final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    /** {@code ip netns add NAME}, then {@code lo} up inside it. */
    public static NetworkNamespace create(String name) throws IOException, InterruptedException {
        GuestFixture.exec(TOOL_TIMEOUT, "ip", "netns", "add", name);
        NetworkNamespace namespace = new NetworkNamespace(name);
        namespace.exec("ip", "link", "set", "lo", "up");
        return namespace;
    }

    public String name() {
        return name;
    }

    /** What runs a program inside the namespace, for fixtures that start their own servers there. */
    public List<String> launcher() {
        return List.of("ip", "netns", "exec", name);
    }

    /**
     * Puts {@code address} (from a documentation range) on the namespace's {@code lo}: a server inside may
     * listen there, as on a host's own interface, and only what runs inside the namespace reaches it.
     */
    public NetworkNamespace withAddress(String address) throws IOException, InterruptedException {
        exec("ip", "address", "add", address + "/32", "dev", "lo");
        return this;
    }

    /** Runs {@code command} inside the namespace; its output is shown only when it fails. */
    public void exec(String... command) throws IOException, InterruptedException {
        List<String> inside = new ArrayList<>(launcher());
        inside.addAll(List.of(command));
        GuestFixture.exec(TOOL_TIMEOUT, inside.toArray(String[]::new));
    }

    /** What {@code command} printed inside the namespace (stdout and stderr), however it ended: for polling. */
    public String output(String... command) {
        List<String> inside = new ArrayList<>(launcher());
        inside.addAll(List.of(command));
        try {
            Process process =
                    new ProcessBuilder(inside).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * The end of a guest test that ran Cocoon inside a namespace: its VMs removed from inside, what served their
     * image closed, and the namespace deleted last whatever failed before. Null arguments are what a set-up that
     * failed half-way did not make.
     */
    public static void removeAll(NetworkNamespace namespace, CocoonCli inside, List<String> vms, AutoCloseable server)
            throws Exception {
        try {
            if (inside != null) {
                for (String vm : vms) {
                    inside.run(Duration.ofMinutes(3), null, "rm", "--force", vm);
                }
            }
            if (server != null) {
                server.close();
            }
        } finally {
            if (namespace != null) {
                namespace.close();
            }
        }
    }

    /** Deletes the namespace and everything made inside it; an interrupt is kept for the caller to see. */
    @Override
    public void close() throws IOException {
        try {
            GuestFixture.exec(TOOL_TIMEOUT, "ip", "netns", "del", name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
