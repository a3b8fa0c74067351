package cocoon.runtime.ssh;

import cocoon.api.CocoonException;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmNetwork;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where the host reaches a running VM's SSH server: a bridge card's own address on port 22, or the loopback side
 * of a user-mode card's forward to guest port 22. Found at {@code start} from the cards as the hypervisor runs them
 * (a user-mode forward's port is picked then) and kept in the VM's run folder for {@code ssh} and {@code inspect}.
 */
public record SshEndpoint(String host, int port) {

    static final int GUEST_PORT = 22;
    private static final String FILE = "ssh-endpoint";

    /** The first card's way to guest port 22; empty for a VM without a card. */
    public static Optional<SshEndpoint> of(VmNetwork running) {
        if (running.nics().isEmpty()) {
            return Optional.empty();
        }
        Nic nic = running.nics().getFirst();
        return switch (nic.backend()) {
            case TAP -> Optional.of(new SshEndpoint(nic.address(), GUEST_PORT));
            case USER ->
                nic.published().stream()
                        .filter(port -> port.guestPort() == GUEST_PORT && port.protocol() == PublishedPort.Protocol.TCP)
                        .findFirst()
                        .map(port -> new SshEndpoint(
                                port.hostIp().equals("0.0.0.0") ? PublishedPort.DEFAULT_HOST_IP : port.hostIp(),
                                port.hostPort()));
        };
    }

    /** What this run of the VM offers, as {@link #record} left it; empty when nothing was recorded. */
    public static Optional<SshEndpoint> recorded(Path runDir) {
        try {
            String text = Files.readString(runDir.resolve(FILE), StandardCharsets.UTF_8)
                    .strip();
            int colon = text.lastIndexOf(':');
            return Optional.of(new SshEndpoint(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw new CocoonException(
                    "cannot read " + runDir.resolve(FILE) + ": " + e.getMessage(), "restart the VM to write it again");
        }
    }

    /** Keeps the endpoint of the run just started, replacing a stale one. */
    public void record(Path runDir) {
        Path temp = runDir.resolve(FILE + ".tmp");
        try {
            Files.writeString(temp, this + "\n", StandardCharsets.UTF_8);
            Files.move(temp, runDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CocoonException(
                    "the VM runs, but where ssh reaches it cannot be kept in " + runDir + ": " + e.getMessage(),
                    "check permissions of the run dir, then stop and start the VM");
        }
    }

    /** The VM is going down: ssh stops pointing at it, and its run folder can go empty. */
    public static void forget(Path runDir) {
        try {
            Files.deleteIfExists(runDir.resolve(FILE));
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + runDir.resolve(FILE) + ": " + e.getMessage(), "remove it by hand");
        }
    }

    /** {@code 127.0.0.1:40123}, as inspect shows it. */
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
