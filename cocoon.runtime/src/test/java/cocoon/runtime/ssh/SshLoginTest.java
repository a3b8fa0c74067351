package cocoon.runtime.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.NotFoundException;
import cocoon.api.PublishedPort;
import cocoon.api.ToolException;
import cocoon.api.VmNetwork;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshLoginTest {

    private static final Optional<Path> SSH = Optional.of(Path.of("/usr/bin/ssh"));
    private static final Nic USER_CARD = new Nic(
            Nic.Backend.USER,
            "52:54:00:6f:1c:2a",
            "10.0.2.15",
            24,
            "10.0.2.2",
            List.of("10.0.2.3"),
            List.of(PublishedPort.parse("8080:80")),
            "");
    private static final Nic BRIDGE_CARD = new Nic(
            Nic.Backend.TAP,
            "52:54:00:0a:0b:0c",
            "198.51.100.7",
            24,
            "198.51.100.1",
            List.of("192.0.2.53"),
            List.of(),
            "ck0f3c9a2b7d41");

    @TempDir
    Path dir;

    private VmPaths paths;
    private Path publicKey;
    private Path privateKey;

    @BeforeEach
    void keysAndFolders() throws Exception {
        paths = new VmPaths(dir.resolve("vms/0f3c"), dir.resolve("run/0f3c"), dir.resolve("log/0f3c"));
        Files.createDirectories(paths.runDir());
        privateKey = Files.writeString(dir.resolve("id_ed25519"), "private");
        publicKey = Files.writeString(dir.resolve("id_ed25519.pub"), "ssh-ed25519 AAAA alice@laptop");
    }

    @Test
    void userModeLogsInThroughTheLoopbackPortPickedAtStartWithTheKeyBesideThePublicOne() {
        VmNetwork running = withSshForward(40123);
        SshEndpoint.of(running).orElseThrow().record(paths.runDir());

        assertEquals(
                List.of(
                        "/usr/bin/ssh",
                        "-i",
                        privateKey.toString(),
                        "-o",
                        "IdentitiesOnly=yes",
                        "-o",
                        "UserKnownHostsFile=" + paths.vmDir().resolve("known_hosts"),
                        "-o",
                        "StrictHostKeyChecking=accept-new",
                        "-o",
                        "HostKeyAlias=cocoon-web",
                        "-p",
                        "40123",
                        "--",
                        "alice@127.0.0.1"),
                SshLogin.argv(vm(VmState.RUNNING, "user", USER_CARD, List.of(publicKey)), paths, null, List.of(), SSH));
    }

    @Test
    void bridgeModeRunsTheCommandAtTheVmsOwnAddressOnPort22WithTheKeyGivenByDashI() throws Exception {
        Path other = Files.writeString(dir.resolve("other"), "private");
        SshEndpoint.of(new VmNetwork("bridge", List.of(BRIDGE_CARD)))
                .orElseThrow()
                .record(paths.runDir());

        assertEquals(
                List.of(
                        "/usr/bin/ssh",
                        "-i",
                        other.toString(),
                        "-o",
                        "IdentitiesOnly=yes",
                        "-o",
                        "UserKnownHostsFile=" + paths.vmDir().resolve("known_hosts"),
                        "-o",
                        "StrictHostKeyChecking=accept-new",
                        "-o",
                        "HostKeyAlias=cocoon-web",
                        "-p",
                        "22",
                        "--",
                        "alice@198.51.100.7",
                        "ls",
                        "-la",
                        "/"),
                SshLogin.argv(
                        vm(VmState.RUNNING, "bridge", BRIDGE_CARD, List.of(publicKey)),
                        paths,
                        other,
                        List.of("ls", "-la", "/"),
                        SSH));
    }

    @Test
    void aPortTheUserPublishedOnEveryAddressIsReachedOnLoopback() {
        Nic card = new Nic(
                Nic.Backend.USER,
                "52:54:00:6f:1c:2a",
                "10.0.2.15",
                24,
                "10.0.2.2",
                List.of(),
                List.of(PublishedPort.parse("0.0.0.0:2222:22")),
                "");

        assertEquals(
                Optional.of(new SshEndpoint("127.0.0.1", 2222)), SshEndpoint.of(new VmNetwork("user", List.of(card))));
        assertEquals(Optional.empty(), SshEndpoint.of(VmNetwork.none()));
    }

    @Test
    void aVmWithoutACardIsRefusedNamingTheNetworkItNeeds() {
        VmRecord vm = new VmRecord(
                "0f3c",
                "web",
                VmState.RUNNING,
                spec(List.of(publicKey)),
                null,
                BootSpec.firmware(),
                List.of(),
                Instant.EPOCH,
                Instant.EPOCH,
                42,
                null,
                VmNetwork.none());

        assertRefused(
                InvalidInputException.class,
                "VM web has no network card (--network none), so ssh cannot reach it: recreate it with --network user"
                        + " or --network bridge",
                () -> SshLogin.argv(vm, paths, null, List.of(), SSH));
    }

    @Test
    void aVmCreatedWithoutAKeyIsRefusedNamingSshKey() {
        assertRefused(
                InvalidInputException.class,
                "VM web was created without --ssh-key, so no key of yours logs in to it: recreate it with --ssh-key"
                        + " ~/.ssh/id_ed25519.pub, or pass -i KEY for a key its image trusts",
                () -> SshLogin.argv(vm(VmState.RUNNING, "user", USER_CARD, List.of()), paths, null, List.of(), SSH));
    }

    @Test
    void aStoppedVmIsRefusedNamingTheStartCommand() {
        assertRefused(
                ConflictException.class,
                "VM web is not running: start it with cocoon start web",
                () -> SshLogin.argv(
                        vm(VmState.STOPPED, "user", USER_CARD, List.of(publicKey)), paths, null, List.of(), SSH));
    }

    @Test
    void aMissingSshClientIsRefusedNamingItsPackage() {
        SshEndpoint.of(withSshForward(40123)).orElseThrow().record(paths.runDir());

        assertRefused(
                ToolException.class,
                "ssh not found: apt-get install openssh-client",
                () -> SshLogin.argv(
                        vm(VmState.RUNNING, "user", USER_CARD, List.of(publicKey)),
                        paths,
                        null,
                        List.of(),
                        Optional.empty()));
    }

    @Test
    void aPublicKeyWithoutItsPrivateHalfAsksForDashI() throws Exception {
        SshEndpoint.of(withSshForward(40123)).orElseThrow().record(paths.runDir());
        Files.delete(privateKey);

        assertRefused(
                NotFoundException.class,
                "no private key beside " + publicKey + ", the key VM web was created with: pass your private key with"
                        + " -i KEY",
                () -> SshLogin.argv(
                        vm(VmState.RUNNING, "user", USER_CARD, List.of(publicKey)), paths, null, List.of(), SSH));
    }

    @Test
    void aRunningVmWithoutARecordedEndpointIsToldToRestart() {
        assertRefused(
                ConflictException.class,
                "VM web runs without a recorded way to its SSH port: restart it: cocoon stop web && cocoon start web",
                () -> SshLogin.argv(
                        vm(VmState.RUNNING, "user", USER_CARD, List.of(publicKey)), paths, null, List.of(), SSH));
    }

    @Test
    void stoppingForgetsTheEndpoint() {
        SshEndpoint.of(withSshForward(40123)).orElseThrow().record(paths.runDir());
        assertEquals(Optional.of(new SshEndpoint("127.0.0.1", 40123)), SshEndpoint.recorded(paths.runDir()));

        SshEndpoint.forget(paths.runDir());

        assertEquals(Optional.empty(), SshEndpoint.recorded(paths.runDir()));
    }

    private static VmNetwork withSshForward(int port) {
        return new VmNetwork(
                "user",
                List.of(new Nic(
                        USER_CARD.backend(),
                        USER_CARD.mac(),
                        USER_CARD.address(),
                        USER_CARD.prefix(),
                        USER_CARD.gateway(),
                        USER_CARD.dns(),
                        List.of(PublishedPort.parse("8080:80"), PublishedPort.parse("127.0.0.1:" + port + ":22")),
                        "")));
    }

    private static VmRecord vm(VmState state, String mode, Nic card, List<Path> keyFiles) {
        return new VmRecord(
                "0f3c",
                "web",
                state,
                spec(keyFiles),
                new VmRecord.ImageRef("cloudimg", "http://images.example/debian.qcow2", "sha256:00"),
                BootSpec.firmware(),
                List.of(),
                Instant.EPOCH,
                Instant.EPOCH,
                state == VmState.RUNNING ? 42 : 0,
                null,
                new VmNetwork(mode, List.of(card)));
    }

    private static VmSpec spec(List<Path> keyFiles) {
        return new VmSpec(
                "web",
                1,
                256L << 20,
                1L << 30,
                "qemu",
                Map.of(),
                new VmSpec.CloudInit(
                        "alice", null, keyFiles.isEmpty() ? List.of() : List.of("ssh-ed25519 AAAA"), keyFiles));
    }

    private static void assertRefused(Class<? extends CocoonException> type, String line, Runnable action) {
        CocoonException refused = assertThrows(type, action::run);
        assertEquals(line, refused.getMessage() + ": " + refused.hint());
    }
}
