package cocoon.plugin.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuVersionTest {

    @TempDir
    Path dir;

    /** A stand-in binary that prints a version and counts how often it ran. */
    private Path fakeQemu(String version) throws IOException {
        Path binary = dir.resolve("qemu-system-x86_64");
        Files.writeString(binary, "#!/bin/sh\necho run >> " + dir.resolve("runs") + "\necho '" + version + "'\n");
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));
        return binary;
    }

    private long runs() throws IOException {
        return Files.exists(dir.resolve("runs"))
                ? Files.readAllLines(dir.resolve("runs")).size()
                : 0;
    }

    private QemuVersion versions() {
        var context = Contexts.of(
                LockScope.hypervisor("qemu"),
                dir.resolve("root"),
                dir.resolve("run"),
                dir.resolve("log"),
                TestVms.settings(Map.of()));
        return new QemuVersion(context.processes(), context.runDir());
    }

    @Test
    void probesOnceAndAnswersLaterCommandsFromTheRunDir() throws IOException {
        Path binary = fakeQemu("QEMU emulator version 7.2.22");

        assertEquals("QEMU emulator version 7.2.22", versions().of(binary));
        assertEquals("QEMU emulator version 7.2.22", versions().of(binary));

        assertEquals(1, runs());
        assertEquals(
                2,
                Files.readAllLines(dir.resolve("run").resolve(QemuVersion.CACHE_FILE))
                        .size());
    }

    @Test
    void aReplacedBinaryIsProbedAgain() throws IOException {
        Path binary = fakeQemu("QEMU emulator version 7.2.22");
        versions().of(binary);

        fakeQemu("QEMU emulator version 9.0.1");
        Files.setLastModifiedTime(
                binary, FileTime.fromMillis(Files.getLastModifiedTime(binary).toMillis() + 5_000));

        assertEquals("QEMU emulator version 9.0.1", versions().of(binary));
        assertEquals(2, runs());
    }

    @Test
    void aBinaryThatPrintsNothingIsNotRemembered() throws IOException {
        Path binary = dir.resolve("qemu-system-x86_64");
        Files.writeString(binary, "#!/bin/sh\necho run >> " + dir.resolve("runs") + "\n");
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));

        assertEquals("QEMU (version unknown)", versions().of(binary));
        assertEquals("QEMU (version unknown)", versions().of(binary));
        assertEquals(2, runs());
    }

    @Test
    void theVersionedMachineTypeIsTheOneQ35IsAnAliasOf() {
        String help = """
                Supported machines are:
                microvm              microvm (i386)
                pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)
                q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)
                pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)
                """;

        assertEquals("pc-q35-7.2", QemuVersion.aliasTarget(help, "q35"));
        assertEquals("q35", QemuVersion.aliasTarget("Supported machines are:\n", "q35"));
    }

    @Test
    void theVersionNumberIsReadOutOfTheVersionLine() {
        assertEquals("7.2.22", QemuVersion.number("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)"));
    }
}
