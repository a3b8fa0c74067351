package cocoon.plugin.net;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The bridge's addresses held by VMs: one file per address, named by it and holding the VM id, created
 * exclusively. Two creates racing for one address cannot both win, and no shared table is rewritten per VM.
 */
final class Leases {

    private final Path dir;
    private final Subnet subnet;

    Leases(Path dir, Subnet subnet) {
        this.dir = dir;
        this.subnet = subnet;
    }

    /** The address {@code vmId} holds, taking the lowest free one if it holds none. */
    String take(String vmId) {
        Optional<String> held = heldBy(vmId);
        if (held.isPresent()) {
            return held.get();
        }
        createDirectory();
        Set<String> taken = names();
        for (int i = 0; i < subnet.guestCount(); i++) {
            String address = subnet.guest(i);
            if (taken.contains(address)) {
                continue;
            }
            try {
                Files.writeString(
                        dir.resolve(address),
                        vmId + "\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return address;
            } catch (FileAlreadyExistsException e) {
                // Another create won this address since the listing; the next one is tried.
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot write the address lease " + dir.resolve(address) + ": " + e.getMessage(),
                        "check permissions and free space under " + dir);
            }
        }
        throw new ConflictException(
                "every address of the bridge's subnet " + subnet + " is held by a VM",
                "remove VMs you no longer need (cocoon rm), or set a larger [network] subnet");
    }

    /** The lowest address no VM holds, taking nothing: what {@code run} shows. */
    String peek() {
        Set<String> taken = names();
        for (int i = 0; i < subnet.guestCount(); i++) {
            if (!taken.contains(subnet.guest(i))) {
                return subnet.guest(i);
            }
        }
        return subnet.guest(0);
    }

    void release(String vmId) {
        for (Path lease : leases()) {
            if (holder(lease).equals(vmId)) {
                delete(lease);
            }
        }
    }

    /** The leases of VMs not among {@code vmIds}: what a create that failed, or an rm killed half-way, left. */
    List<Path> orphans(Set<String> vmIds) {
        return heldWhere(holder -> !vmIds.contains(holder));
    }

    /** The leases the VMs {@code vmIds} hold. */
    List<Path> heldBy(Set<String> vmIds) {
        return heldWhere(vmIds::contains);
    }

    private List<Path> heldWhere(Predicate<String> holders) {
        List<Path> held = new ArrayList<>();
        for (Path lease : leases()) {
            if (holders.test(holder(lease))) {
                held.add(lease);
            }
        }
        return held;
    }

    private Optional<String> heldBy(String vmId) {
        return leases().stream()
                .filter(lease -> holder(lease).equals(vmId))
                .map(lease -> lease.getFileName().toString())
                .findFirst();
    }

    private Set<String> names() {
        Set<String> names = new HashSet<>();
        leases().forEach(lease -> names.add(lease.getFileName().toString()));
        return names;
    }

    private List<Path> leases() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file ->
                            Subnet.addressOf(file.getFileName().toString()).isPresent())
                    .toList();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list the address leases in " + dir + ": " + e.getMessage(), "check permissions of " + dir);
        }
    }

    private static String holder(Path lease) {
        try {
            return Files.readString(lease, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot read the address lease " + lease + ": " + e.getMessage(), "check permissions of " + lease);
        }
    }

    private void createDirectory() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot create " + dir + ": " + e.getMessage(), "check permissions of its parent folder");
        }
    }

    private static void delete(Path lease) {
        try {
            Files.deleteIfExists(lease);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove the address lease " + lease + ": " + e.getMessage(),
                    "check permissions of " + lease);
        }
    }
}
