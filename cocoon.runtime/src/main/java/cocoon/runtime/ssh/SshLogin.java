package cocoon.runtime.ssh;

import cocoon.api.ConflictException;
import cocoon.api.InvalidInputException;
import cocoon.api.NotFoundException;
import cocoon.api.ToolException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code ssh} command line that logs in to a running VM as the user its cloud-init made, with the private
 * key beside the public one given at {@code create} (or {@code -i}), like {@code multipass shell}. The host key
 * the VM shows first is trusted and kept in a known_hosts file of the VM's own under a name of its own
 * ({@code HostKeyAlias}): addresses and ports are reused by other VMs, and a user-mode VM's port changes at
 * every start.
 */
public final class SshLogin {

    private static final String PUBLIC_SUFFIX = ".pub";

    private SshLogin() {}

    /**
     * The argument list, or the one-line reason there is none: no card, no key, not running, no ssh client.
     *
     * @param vm       the record with its live state
     * @param identity {@code -i}, or null for the key beside the one given at create
     * @param command  what to run instead of a login shell; empty for a shell
     * @param client   the {@code ssh} program, or empty when it is not installed
     */
    public static List<String> argv(
            VmRecord vm, VmPaths paths, Path identity, List<String> command, Optional<Path> client) {
        if (vm.network().nics().isEmpty()) {
            throw new InvalidInputException(
                    "VM " + vm.name() + " has no network card (--network none), so ssh cannot reach it",
                    "recreate it with --network user or --network bridge");
        }
        List<Path> publicKeys = vm.spec().cloudInit().sshKeyFiles();
        if (identity == null && publicKeys.isEmpty()) {
            throw new InvalidInputException(
                    "VM " + vm.name() + " was created without --ssh-key, so no key of yours logs in to it",
                    "recreate it with --ssh-key ~/.ssh/id_ed25519.pub, or pass -i KEY for a key its image trusts");
        }
        if (vm.state() != VmState.RUNNING) {
            throw new ConflictException(
                    "VM " + vm.name() + " is not running", "start it with cocoon start " + vm.name());
        }
        SshEndpoint endpoint = SshEndpoint.recorded(paths.runDir())
                .orElseThrow(() -> new ConflictException(
                        "VM " + vm.name() + " runs without a recorded way to its SSH port",
                        "restart it: cocoon stop " + vm.name() + " && cocoon start " + vm.name()));
        Path key = identity != null ? existing(identity) : besideOneOf(publicKeys, vm.name());
        Path ssh = client.orElseThrow(
                () -> new ToolException(List.of("ssh"), "ssh not found", "apt-get install openssh-client"));

        List<String> argv = new ArrayList<>(List.of(
                ssh.toString(),
                "-i",
                key.toString(),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "UserKnownHostsFile=" + paths.vmDir().resolve("known_hosts"),
                "-o",
                "StrictHostKeyChecking=accept-new",
                "-o",
                "HostKeyAlias=cocoon-" + vm.name(),
                "-p",
                Integer.toString(endpoint.port()),
                // Ends ssh's options: the destination and every word of the command are taken as they are.
                "--",
                vm.spec().cloudInit().user() + "@" + endpoint.host()));
        argv.addAll(command);
        return List.copyOf(argv);
    }

    private static Path existing(Path identity) {
        if (!Files.isRegularFile(identity)) {
            throw new NotFoundException(
                    "private key " + identity + " not found",
                    "give the path of your private key, e.g. ~/.ssh/id_ed25519");
        }
        return identity;
    }

    /** The private half of the first public key given at create that has one beside it. */
    private static Path besideOneOf(List<Path> publicKeys, String vmName) {
        for (Path publicKey : publicKeys) {
            String name = publicKey.toString();
            if (name.endsWith(PUBLIC_SUFFIX)) {
                Path privateKey = Path.of(name.substring(0, name.length() - PUBLIC_SUFFIX.length()));
                if (Files.isRegularFile(privateKey)) {
                    return privateKey;
                }
            }
        }
        throw new NotFoundException(
                "no private key beside " + publicKeys.getFirst() + ", the key VM " + vmName + " was created with",
                "pass your private key with -i KEY");
    }
}
