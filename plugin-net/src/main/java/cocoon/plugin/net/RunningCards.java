package cocoon.plugin.net;

import cocoon.api.CocoonException;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The published ports of the bridge VMs that run now, one file per VM: what Cocoon's table is rebuilt from.
 * Only touched under the bridge's host lock; a VM's file goes at its stop, rm or failed start.
 */
final class RunningCards {

    private final Path dir;

    RunningCards(Path dir) {
        this.dir = dir;
    }

    void add(String vmId, String vmName, List<Nic> nics) {
        List<String> lines = new ArrayList<>(List.of("name " + vmName));
        for (Nic nic : nics) {
            nic.published().forEach(port -> lines.add(port + " " + nic.address()));
        }
        try {
            Files.createDirectories(dir);
            Path temp = dir.resolve(vmId + ".tmp");
            Files.write(temp, lines);
            Files.move(temp, dir.resolve(vmId), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot record the published ports of VM " + vmId + " in " + dir + ": " + e.getMessage(),
                    "check permissions of " + dir);
        }
    }

    /** Takes the VM's file out, and the temp file of an {@link #add} killed half-way. */
    void remove(String vmId) {
        try {
            Files.deleteIfExists(dir.resolve(vmId + ".tmp"));
            Files.deleteIfExists(dir.resolve(vmId));
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + dir.resolve(vmId) + ": " + e.getMessage(), "check permissions of " + dir);
        }
    }

    /** Whether a bridge VM was ever started under this root: before that, Cocoon has nothing on the host. */
    boolean used() {
        return Files.isDirectory(dir);
    }

    Path file(String vmId) {
        return dir.resolve(vmId);
    }

    /** The VMs recorded as running, whether or not their hypervisor still lives; a half-written file counts too. */
    Set<String> vmIds() {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString().replaceFirst("\\.tmp$", ""))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new CocoonException("cannot list " + dir + ": " + e.getMessage(), "check permissions of " + dir);
        }
    }

    /** Every running VM's forwards, each with the id and name of its VM. */
    List<Owned> forwards() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Owned> forwards = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().endsWith(".tmp"))
                    .toList()) {
                List<String> lines = Files.readAllLines(file);
                String name = lines.isEmpty() ? "" : lines.getFirst().substring("name ".length());
                for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    int space = line.indexOf(' ');
                    forwards.add(new Owned(
                            file.getFileName().toString(),
                            name,
                            new NatRuleset.Forward(
                                    PublishedPort.parse(line.substring(0, space)), line.substring(space + 1))));
                }
            }
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot read the published ports in " + dir + ": " + e.getMessage(), "check permissions of " + dir);
        }
        return forwards;
    }

    record Owned(String vmId, String vmName, NatRuleset.Forward forward) {}
}
