package cocoon.e2e.reliability;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * After pull, create and start (Cloud Hypervisor double) nothing Cocoon made is open to other users:
 * folders are 0700 and files, sockets and logs carry no group or other bits, and the console PTY is
 * not readable by others.
 */
@Tag("reliability")
class LeastPrivilegeTest {

    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

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
            cocoon.run("create", "--name", "private", "--hypervisor", "chv", "--memory", "256M", "--storage", "64M", image).ok();
            cocoon.run("start", "private").ok();
            try {
                String id = new ObjectMapper().readTree(cocoon.run("inspect", "private").ok().out()).path("vm").path("id").asText();
                for (Path top : List.of(cocoon.root(), cocoon.runDir(), cocoon.logDir())) {
                    try (Stream<Path> tree = Files.walk(top)) {
                        for (Path path : tree.toList()) {
                            checked++;
                            Set<PosixFilePermission> open = open(path);
                            if (!open.isEmpty()) {
                                problems.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)) + " " + path);
                            }
                        }
                    }
                }
                for (Path expected : List.of(cocoon.root().resolve("vms").resolve(id).resolve("vm.json"),
                        cocoon.runDir().resolve(id).resolve("api.sock"), cocoon.logDir().resolve(id))) {
                    if (!Files.exists(expected, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add("expected to check " + expected + " but it does not exist");
                    }
                }
                Path pty = consolePty(cocoon.runDir().resolve(id).resolve("api.sock"));
                checked++;
                Set<PosixFilePermission> ptyModes = Files.getPosixFilePermissions(pty);
                if (ptyModes.contains(PosixFilePermission.OTHERS_READ) || ptyModes.contains(PosixFilePermission.OTHERS_WRITE)
                        || ptyModes.contains(PosixFilePermission.GROUP_READ)) {
                    problems.add("console PTY " + pty + " is " + PosixFilePermissions.toString(ptyModes));
                }
            } finally {
                cocoon.run("rm", "--force", "private");
            }
        }
        Results.record("least privilege", "modes after pull, create, start", "every folder, file and socket under the root, run and log dirs has no group/other bits (0700/0600); the console PTY is not readable by group or others",
                checked, checked - problems.size(), problems.isEmpty() ? checked + " paths checked" : String.join("<br>", problems));
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

    /** The console path the hypervisor reports in {@code vm.info}, asked over its API socket. */
    private static Path consolePty(Path socket) throws Exception {
        Process curl = new ProcessBuilder("curl", "-s", "--unix-socket", socket.toString(), "http://localhost/api/v1/vm.info")
                .redirectErrorStream(true).start();
        String info = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        curl.waitFor();
        return Path.of(new ObjectMapper().readTree(info).path("config").path("console").path("file").asText());
    }
}
