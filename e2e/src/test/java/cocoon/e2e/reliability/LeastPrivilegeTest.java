package cocoon.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After pull, create and start (Cloud Hypervisor double) nothing Cocoon made is open to other users:
 * folders are 0700 and files, sockets and logs carry no group or other bits. The walk is checked to
 * have met the files Cocoon itself makes (record, disk, blobs, index, locks, the VM's folders).
 */
@Tag("reliability")
class LeastPrivilegeTest {

    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path dir;

    @Test
    void everythingCocoonMakesIsPrivate() throws Exception {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        try (RegistryFixture registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")))) {
            Cocoon cocoon = new Cocoon(dir.resolve("state"));
            String image = Images.push(registry, "private/vm", "1", 1, 16 << 10);
            cocoon.run("pull", "--quiet", image).ok();
            cocoon.run(
                            "create",
                            "--network",
                            "none",
                            "--name",
                            "private",
                            "--hypervisor",
                            "chv",
                            "--memory",
                            "256M",
                            "--storage",
                            "64M",
                            image)
                    .ok();
            cocoon.run("start", "private").ok();
            try {
                JsonNode inspect = new ObjectMapper()
                        .readTree(cocoon.run("inspect", "private").ok().out());
                String id = inspect.path("vm").path("id").asText();
                for (Path top : List.of(cocoon.root(), cocoon.runDir(), cocoon.logDir())) {
                    try (Stream<Path> tree = Files.walk(top)) {
                        for (Path path : tree.toList()) {
                            checked++;
                            Set<PosixFilePermission> open = open(path);
                            if (!open.isEmpty()) {
                                problems.add(PosixFilePermissions.toString(
                                                Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS))
                                        + " " + path);
                            }
                        }
                    }
                }
                // The walk proves something only if it met what Cocoon itself makes: the VM's record, folders and
                // disks (its COW disk and the image's layer blobs), the image index, the store locks. (The console
                // PTY is not checked: the hypervisor makes it, not Cocoon.)
                List<Path> expected = new ArrayList<>(List.of(
                        cocoon.root().resolve("vms").resolve(id).resolve("vm.json"),
                        cocoon.root().resolve("images/oci/index.json"),
                        cocoon.root().resolve("locks"),
                        cocoon.runDir().resolve(id),
                        cocoon.logDir().resolve(id)));
                inspect.path("vm")
                        .path("disks")
                        .forEach(disk -> expected.add(Path.of(disk.path("path").asText())));
                for (Path path : expected) {
                    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add("expected to check " + path + " but it does not exist");
                    } else if (!path.startsWith(cocoon.root())
                            && !path.startsWith(cocoon.runDir())
                            && !path.startsWith(cocoon.logDir())) {
                        problems.add(path + " is outside the root, run and log dirs, so the walk did not check it");
                    }
                }
            } finally {
                cocoon.run("rm", "--force", "private");
            }
        }
        Results.record(
                "least privilege",
                "modes after pull, create, start",
                "every folder, file and socket under the root, run and log dirs has no group/other bits (0700/0600), and those dirs hold the VM's record, disk and folders, the image's blobs and index, and the store locks",
                checked,
                checked - problems.size(),
                problems.isEmpty() ? checked + " paths checked" : String.join("<br>", problems));
        assertEquals(List.of(), problems);
    }

    private static Set<PosixFilePermission> open(Path path) throws Exception {
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        if (Files.isSymbolicLink(path)) {
            return open;
        }
        open.addAll(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
        open.retainAll(GROUP_OR_OTHER);
        return open;
    }
}
