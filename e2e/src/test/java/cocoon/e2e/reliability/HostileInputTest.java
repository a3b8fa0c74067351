package cocoon.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.e2e.CocoonCli;
import cocoon.e2e.NetworkNamespace;
import cocoon.plugin.oci.testing.RecordingProxy;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestCertificates;
import cocoon.plugin.oci.testing.TestLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs an attacker or a broken server could send, each through {@code bin/cocoon}: every one is
 * refused with exit 1 or 2 and one line {@code cocoon: ...}, nothing appears outside the store, the
 * store invariants hold, and gc leaves nothing behind.
 */
@Tag("reliability")
class HostileInputTest {

    private static final Duration LIMIT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    private static RegistryFixture registry;
    private static RecordingProxy proxy;
    private static HostileServer hostile;
    private static Cocoon cocoon;
    private static Path outside;
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        proxy = RecordingProxy.start(registry.host());
        hostile = HostileServer.start();
        cocoon = new Cocoon(dir.resolve("state"));
        outside = Files.createDirectories(dir.resolve("outside"));
        image = Images.push(registry, "hostile/good", "1", 1, 16 << 10);
        cocoon.run("pull", "--quiet", image).ok();
    }

    @AfterAll
    static void stop() throws Exception {
        hostile.close();
        proxy.close();
        registry.close();
    }

    @Test
    void badImageReferences() throws Exception {
        String notAReference = "is not an image reference any plugin understands";
        refuseAll(
                "bad image references",
                "syntax errors in OCI references and URLs",
                Map.of(
                        "upper-case repository",
                                refused(notAReference, "pull", "--quiet", registry.host() + "/Hostile/Upper:1"),
                        "bad port", refused(notAReference, "pull", "--quiet", "127.0.0.1:99999999/x:1"),
                        "short digest", refused(notAReference, "pull", "--quiet", registry.host() + "/x@sha256:abc"),
                        "empty", refused(notAReference, "pull", "--quiet", ""),
                        "spaces", refused(notAReference, "pull", "--quiet", "a b c"),
                        "ftp URL", refused(notAReference, "pull", "--quiet", "ftp://127.0.0.1/x.img"),
                        "dotdot repository",
                                refused(notAReference, "pull", "--quiet", registry.host() + "/../../etc:1")));
    }

    @Test
    void brokenRegistryAnswers() throws Exception {
        byte[] layer = new TestLayer()
                .file("payload.bin", Images.noise(7, 256 << 10), 0644, 0, 0)
                .gzip()
                .blob();
        hostile.image("truncated", "1", layer, HostileServer.TRUNCATED);
        hostile.image("endless", "1", layer, HostileServer.ENDLESS);
        var tampered = new TestLayer()
                .file("payload.bin", Images.noise(8, 64 << 10), 0644, 0, 0)
                .gzip();
        registry.pushImage("hostile/tampered", "1", RegistryFixture.OCI_MANIFEST, List.of(tampered));
        proxy.corrupt(tampered.digest());
        refuseAll(
                "broken registry answers",
                "a blob with one byte flipped (wrong digest), a body cut at half its Content-Length, a blob that never ends",
                Map.of(
                        "wrong digest",
                                refused("but got sha256:", "pull", "--quiet", proxy.host() + "/hostile/tampered:1"),
                        "truncated blob",
                                refused(
                                        "failed while downloading layer",
                                        "pull",
                                        "--quiet",
                                        hostile.host() + "/truncated:1"),
                        "endless blob",
                                refused("bytes but got more", "pull", "--quiet", hostile.host() + "/endless:1")));
        proxy.corrupt(null);
    }

    @Test
    void endlessManifest() throws Exception {
        hostile.file(
                "/v2/hugemanifest/manifests/1",
                HostileServer.ENDLESS,
                "{\"schemaVersion\":2,\"x\":\"".getBytes(StandardCharsets.UTF_8));
        refuseAll(
                "endless manifest",
                "a manifest body that never ends",
                Map.of(
                        "endless manifest",
                        refused(
                                "did not finish sending the manifest",
                                "pull",
                                "--quiet",
                                hostile.host() + "/hugemanifest:1")));
    }

    @Test
    void brokenCloudImages() throws Exception {
        Path backed = dir.resolve("backed.qcow2");
        tool("qemu-img", "create", "-q", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", backed.toString(), "1M");
        hostile.file("/loop.img", HostileServer.REDIRECT_LOOP, new byte[0]);
        hostile.file(
                "/text.img",
                "text/html",
                "<html>not a disk</html>\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        hostile.file("/backed.qcow2", "application/octet-stream", Files.readAllBytes(backed));
        refuseAll(
                "broken cloud images",
                "a redirect loop, an HTML page instead of a disk image, a qcow2 whose backing file is a host file",
                Map.of(
                        "redirect loop",
                                refused(
                                        "more than 5 redirects",
                                        "pull",
                                        "--quiet",
                                        "http://" + hostile.host() + "/loop.img"),
                        "not a disk image",
                                refused(
                                        "is not a disk image",
                                        "pull",
                                        "--quiet",
                                        "http://" + hostile.host() + "/text.img"),
                        "qcow2 backed by a host file",
                                refused(
                                        "with a backing file",
                                        "pull",
                                        "--quiet",
                                        "http://" + hostile.host() + "/backed.qcow2")));
    }

    @Test
    void oversizedCloudImages() throws Exception {
        Path small = dir.resolve("small.qcow2");
        tool("qemu-img", "create", "-q", "-f", "qcow2", small.toString(), "64M");
        byte[] qcow2 = Files.readAllBytes(small);
        byte[] text = "<html>not a disk</html>\n".repeat(100).getBytes(StandardCharsets.UTF_8);
        hostile.file("/endless.qcow2", HostileServer.ENDLESS, qcow2);
        hostile.file("/terabyte.qcow2", HostileServer.ANNOUNCES_TERABYTE, qcow2);
        hostile.file("/overlong.img", HostileServer.OVERLONG, text);
        Map<String, Refusal> commands = new LinkedHashMap<>();
        commands.put(
                "endless body, no Content-Length",
                refused(
                        "the body goes on past [cloudimg] max_size = 16M",
                        "pull",
                        "--quiet",
                        hostile.url("/endless.qcow2")));
        commands.put(
                "Content-Length of 1 TiB",
                refused(
                        "announces 1T, more than [cloudimg] max_size = 16M",
                        "pull",
                        "--quiet",
                        hostile.url("/terabyte.qcow2")));
        // Judged on the 2400 announced bytes: the junk past them never reaches the sniffer.
        commands.put(
                "2400-byte page, then junk past its Content-Length",
                refused("is not a disk image (2400 bytes", "pull", "--quiet", hostile.url("/overlong.img")));
        String original = Files.readString(cocoon.configFile());
        cocoon.config(original + "[cloudimg]\nmax_size = \"16M\"\n");
        try {
            refuseAll(
                    cocoon,
                    "oversized cloud images",
                    "[cloudimg] max_size = 16M: a body that never ends (no length), a Content-Length of 1 TiB, "
                            + "a page whose body goes on past its Content-Length (must be judged on the announced 2400 bytes only); "
                            + "after each, no partial download is left in tmp/",
                    commands,
                    HostileInputTest::nothingInTmp);
        } finally {
            cocoon.config(original);
        }
    }

    /**
     * A registry on an address outside loopback, where TLS is verified, is served only inside a network
     * namespace the test makes (DESIGN §6): the TLS front listens on a documentation address on its
     * {@code lo}, and each pull runs there too.
     */
    @Test
    void registryCertificateNoTrustedCaSigned() throws Exception {
        String address = "192.0.2.10";
        Path registryDir = dir.resolve("registry");
        TestCertificates certificates = TestCertificates.forAddress(registryDir, address);
        try (NetworkNamespace namespace = NetworkNamespace.create(
                "cocoon-e2e-hostile-tls-" + ProcessHandle.current().pid())) {
            namespace.withAddress(address);
            CocoonCli inside = cocoon.inNetworkNamespace(namespace.name());
            try (RegistryFixture tls = registry.tlsFront(
                    registryDir, namespace.launcher(), address, certificates.certificate(), certificates.key())) {
                String remote = tls.host() + "/" + image.substring(image.indexOf('/') + 1);
                refuseAll(
                        inside,
                        "registry TLS",
                        "a registry on a documentation address in a network namespace, whose certificate a CA this "
                                + "host does not trust signed, pulled without --ca-file and with a --ca-file that holds no certificate",
                        Map.of(
                                "untrusted certificate",
                                        refused("has no TLS certificate this host trusts", "pull", "--quiet", remote),
                                "--ca-file of a key",
                                        refused(
                                                "is not a PEM certificate",
                                                "pull",
                                                "--quiet",
                                                "--ca-file",
                                                certificates.key().toString(),
                                                remote)),
                        List::of);
                List<String> problems = new ArrayList<>();
                for (String[] pull : List.of(
                        new String[] {
                            "pull", "--quiet", "--ca-file", certificates.caPem().toString(), remote
                        },
                        new String[] {"pull", "--quiet", "--insecure", "--force", remote})) {
                    CocoonCli.Run run = inside.run(LIMIT, null, pull);
                    if (run.exit() != 0) {
                        problems.add(String.join(" ", pull) + " exits " + run.exit() + ": "
                                + run.err().strip());
                    }
                }
                problems.addAll(new StoreInvariants(cocoon).check());
                cocoon.run("delete", remote);
                Results.record(
                        "least privilege",
                        "registry TLS verified unless the user opts out",
                        "the same registry over TLS with that certificate pulls with --ca-file of the CA, and with --insecure",
                        2,
                        problems.isEmpty() ? 2 : 0,
                        problems.isEmpty() ? "both pulled" : "FAILED: " + String.join("; ", problems));
                assertEquals(List.of(), problems);
            }
        }
    }

    @Test
    void overlongCloudImageKeepsTheAnnouncedBytes() throws Exception {
        Path small = dir.resolve("small.qcow2");
        tool("qemu-img", "create", "-q", "-f", "qcow2", small.toString(), "64M");
        byte[] qcow2 = Files.readAllBytes(small);
        hostile.file("/overlong.qcow2", HostileServer.OVERLONG, qcow2);
        String url = hostile.url("/overlong.qcow2");
        long started = System.nanoTime();
        CocoonCli.Run pull = cocoon.run(LIMIT, null, "pull", "--quiet", url);
        long millis = (System.nanoTime() - started) / 1_000_000;
        List<String> problems = new ArrayList<>();
        if (pull.exit() != 0) {
            problems.add("pull exits " + pull.exit() + ": " + pull.err().strip());
        }
        String digest = "";
        for (var image : new ObjectMapper()
                .readTree(cocoon.run("list", "--format", "json").ok().out())) {
            if (image.path("reference").asText().equals(url)) {
                digest = image.path("digest").asText();
            }
        }
        if (!digest.equals("sha256:" + StoreInvariants.sha256(small))) {
            problems.add("stored digest " + digest + " is not that of the " + qcow2.length + " announced bytes");
        }
        problems.addAll(new StoreInvariants(cocoon).check());
        problems.addAll(nothingOutside());
        cocoon.run("delete", url);
        problems.addAll(new StoreInvariants(cocoon).checkCollected());
        Results.record(
                "hostile input",
                "cloud image body longer than its Content-Length",
                "a valid qcow2 with its true Content-Length, then junk on the same connection for as long as the client reads: the pull ends, and the stored image is exactly the announced bytes",
                1,
                problems.isEmpty() ? 1 : 0,
                "exit " + pull.exit() + " after " + millis + " ms; stored "
                        + digest.substring(0, Math.min(digest.length(), 19)) + "… = sha256 of the " + qcow2.length
                        + " announced bytes");
        assertEquals(List.of(), problems);
    }

    @Test
    void hostileLayers() throws Exception {
        Map<String, RegistryFixture.Layer> layers = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        layers.put(
                "dotdot",
                new TestLayer()
                        .file("../../../outside/escaped.txt", "x", 0644, 0, 0)
                        .gzip());
        reasons.put("dotdot", "entry \"../../../outside/escaped.txt\" leaves the layer root");
        layers.put(
                "absolute",
                new TestLayer()
                        .file(outside.resolve("absolute.txt").toString(), "x", 0644, 0, 0)
                        .gzip());
        reasons.put("absolute", "uses the absolute path");
        layers.put(
                "symlink-out",
                new TestLayer()
                        .symlink("evil", outside.toString())
                        .file("evil/through-link.txt", "x", 0644, 0, 0)
                        .gzip());
        reasons.put("symlink-out", "would be written through the symlink evil");
        layers.put(
                "hardlink-out",
                new TestLayer().hardlink("passwd", "../../../../etc/passwd").gzip());
        reasons.put("hardlink-out", "entry \"passwd\" leaves the layer root");
        layers.put(
                "long-name",
                new TestLayer().file("d/" + "n".repeat(300), "x", 0644, 0, 0).gzip());
        reasons.put("long-name", "File name too long");
        layers.put("gzip-bomb", bomb());
        reasons.put("gzip-bomb", "unpacks to more than 67108864 bytes");
        layers.put("huge-declared-size", hugeDeclaredSize());
        reasons.put("huge-declared-size", "Truncated TAR archive");
        Map<String, Refusal> commands = new LinkedHashMap<>();
        for (var entry : layers.entrySet()) {
            registry.pushImage(
                    "hostile/layer", entry.getKey(), RegistryFixture.OCI_MANIFEST, List.of(entry.getValue()));
            commands.put(
                    entry.getKey(),
                    refused(
                            reasons.get(entry.getKey()),
                            "pull",
                            "--quiet",
                            registry.host() + "/hostile/layer:" + entry.getKey()));
        }
        cocoon.config(Files.readString(cocoon.configFile()) + "[oci]\nmax_layer_size = \"64M\"\n");
        try {
            refuseAll(
                    "hostile layer tars",
                    "entries with '..', absolute paths, a symlink then a file through it, a hard link to /etc/passwd, a 300-byte name, a 260 KB gzip that expands to 256 MB (limit 64 MB), a header declaring 8 GB",
                    commands);
        } finally {
            cocoon.config(Files.readString(cocoon.configFile()).replace("[oci]\nmax_layer_size = \"64M\"\n", ""));
        }
    }

    @Test
    void duplicateEntriesKeepTheLastOne() throws Exception {
        var layer = new TestLayer()
                .file("etc/motd", "first\n", 0644, 0, 0)
                .file("etc/motd", "second\n", 0644, 0, 0)
                .dir("etc", 0755)
                .gzip();
        registry.pushImage("hostile/layer", "duplicates", RegistryFixture.OCI_MANIFEST, List.of(layer));
        String reference = registry.host() + "/hostile/layer:duplicates";
        CocoonCli.Run pull = cocoon.run(LIMIT, null, "pull", "--quiet", reference);
        List<String> problems = new ArrayList<>();
        String motd = "";
        if (pull.exit() != 0) {
            problems.add("not pulled: exit " + pull.exit() + ": " + pull.err().strip());
        } else {
            motd = fileInLayer(reference, "etc/motd");
            if (!motd.equals("second\n")) {
                problems.add(
                        "/etc/motd of the stored layer holds '" + motd.strip() + "', not the later entry's 'second'");
            }
        }
        problems.addAll(new StoreInvariants(cocoon).check());
        problems.addAll(nothingOutside());
        Results.record(
                "hostile input",
                "duplicate tar entries",
                "a layer holding one path twice: pulled, the stored layer (extracted with fsck.erofs) holds the later entry, the EROFS passes fsck",
                1,
                problems.isEmpty() ? 1 : 0,
                "exit " + pull.exit()
                        + (pull.exit() == 0
                                ? "; /etc/motd holds '" + motd.strip() + "'"
                                : ": " + pull.err().strip()));
        assertEquals(List.of(), problems);
        cocoon.run("delete", reference);
    }

    /** A file of the single-layer image {@code reference} as its stored EROFS layer holds it. */
    private static String fileInLayer(String reference, String file) throws Exception {
        for (JsonNode image : new ObjectMapper()
                .readTree(cocoon.run("list", "--format", "json").ok().out())) {
            if (image.path("reference").asText().equals(reference)) {
                Path extracted = dir.resolve("extracted");
                tool(
                        "fsck.erofs",
                        "--extract=" + extracted,
                        "--no-preserve",
                        image.path("baseDisks").path(0).path("path").asText());
                try {
                    return Files.readString(extracted.resolve(file));
                } finally {
                    tool("rm", "-rf", extracted.toString());
                }
            }
        }
        throw new AssertionError("list does not show " + reference);
    }

    @Test
    void vmSettingsOutOfRange() throws Exception {
        Map<String, Refusal> commands = new LinkedHashMap<>();
        commands.put("--cpu 0", new Refusal("--cpu 0 is out of range", create("--cpu", "0")));
        commands.put("--cpu 100000", new Refusal("--cpu 100000 is out of range", create("--cpu", "100000")));
        commands.put("--cpu -1", new Refusal("--cpu -1 is out of range", create("--cpu", "-1")));
        commands.put("--memory 1K", new Refusal("--memory 1K is out of range", create("--memory", "1K")));
        commands.put("--memory 100P", new Refusal("invalid size '100P'", create("--memory", "100P")));
        commands.put("--memory 5T", new Refusal("--memory 5T is out of range", create("--memory", "5T")));
        commands.put("--storage 100P", new Refusal("invalid size '100P'", create("--storage", "100P")));
        commands.put("--storage 100T", new Refusal("--storage 100T is out of range", create("--storage", "100T")));
        commands.put("--storage 1x", new Refusal("invalid size '1x'", create("--storage", "1x")));
        commands.put("name with /", new Refusal("invalid VM name 'a/b'", create("--name", "a/b")));
        commands.put("name ..", new Refusal("invalid VM name '..'", create("--name", "..")));
        commands.put("empty name", new Refusal("invalid VM name ''", create("--name", "")));
        commands.put("300-char name", new Refusal("invalid VM name 'nnnnnnnn", create("--name", "n".repeat(300))));
        commands.put("start unknown VM", refused("no VM named '../../etc'", "start", "../../etc"));
        refuseAll(
                "VM settings out of range",
                "create with CPU counts, sizes and names out of range; start of a name with '..'",
                commands);
    }

    @Test
    void brokenConfigFiles() throws Exception {
        record BrokenConfig(String toml, String reason) {}
        Map<String, BrokenConfig> configs = new LinkedHashMap<>();
        configs.put("unknown top-level key", new BrokenConfig("bogus = 1\n", "unknown key 'bogus'"));
        configs.put(
                "unknown section key",
                new BrokenConfig("[defaults]\ncolour = \"red\"\n", "unknown key 'colour' in [defaults]"));
        configs.put("unknown section", new BrokenConfig("[nosuch]\nx = 1\n", "unknown section [nosuch]"));
        configs.put(
                "cpu as text",
                new BrokenConfig("[defaults]\ncpu = \"two\"\n", "[defaults] cpu = \"two\" is not valid"));
        configs.put(
                "memory as number list",
                new BrokenConfig(
                        "[defaults]\nmemory = [1, 2]\n", "[defaults] memory must be a string, number or boolean"));
        configs.put(
                "root_dir as a list",
                new BrokenConfig("root_dir = [\"/a\"]\n", "root_dir must be a string, number or boolean"));
        configs.put("root_dir as a number", new BrokenConfig("root_dir = 5\n", "root_dir = \"5\" is not valid"));
        configs.put("root_dir relative", new BrokenConfig("root_dir = \"rel\"\n", "takes an absolute path"));
        configs.put("not TOML", new BrokenConfig("this is = = not toml [\n", "is not valid TOML"));
        String original = Files.readString(cocoon.configFile());
        List<String> problems = new ArrayList<>();
        int passed = 0;
        try {
            for (var entry : configs.entrySet()) {
                // In front of the harness's own [chv] section, so a top-level key stays top-level.
                cocoon.config(entry.getValue().toml() + original);
                CocoonCli.Run run = cocoon.run(LIMIT, null, "ps");
                if ((run.exit() == 1 || run.exit() == 2)
                        && oneLine(run)
                        && run.err().contains(entry.getValue().reason())) {
                    passed++;
                } else {
                    problems.add(entry.getKey() + ": exit " + run.exit() + ", expected a refusal saying '"
                            + entry.getValue().reason() + "': " + run.err());
                }
            }
        } finally {
            cocoon.config(original);
        }
        Results.record(
                "hostile input",
                "broken config files",
                "unknown keys and sections, wrong value types, not TOML: ps refuses in one line naming what is wrong",
                configs.size(),
                passed,
                problems.isEmpty() ? "all refused" : String.join("; ", problems));
        assertEquals(List.of(), problems);
    }

    /** A create that would succeed but for {@code flag value}. */
    private static String[] create(String flag, String value) {
        Map<String, String> flags =
                new LinkedHashMap<>(Map.of("--hypervisor", "chv", "--memory", "256M", "--storage", "64M"));
        flags.put(flag, value);
        List<String> args = new ArrayList<>(List.of("create", "--network", "none"));
        flags.forEach((key, v) -> args.addAll(List.of(key, v)));
        args.add(image);
        return args.toArray(String[]::new);
    }

    /**
     * One hostile command and the reason it must be refused for: a substring of its error line, so a
     * refusal for another cause (a broken fixture, a server that is not there) does not pass.
     */
    @SuppressWarnings("ArrayRecordComponent") // an argv handed to the CLI as is, never compared
    private record Refusal(String reason, String... command) {}

    private static Refusal refused(String reason, String... command) {
        return new Refusal(reason, command);
    }

    private static void refuseAll(String name, String what, Map<String, Refusal> commands) throws Exception {
        refuseAll(cocoon, name, what, commands, List::of);
    }

    /** What must also hold after each refusal of a case; each string is a violation. */
    private interface AfterEach {
        List<String> problems() throws Exception;
    }

    /**
     * Runs every command through {@code runner} (the harness's cocoon, or the same one inside a network
     * namespace); each must fail cleanly for its reason and leave the store consistent and the world
     * outside it untouched.
     */
    private static void refuseAll(
            CocoonCli runner, String name, String what, Map<String, Refusal> commands, AfterEach afterEach)
            throws Exception {
        List<String> problems = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        int passed = 0;
        for (var entry : commands.entrySet()) {
            List<String> own = new ArrayList<>();
            long started = System.nanoTime();
            CocoonCli.Run run;
            try {
                run = runner.run(LIMIT, null, entry.getValue().command());
            } catch (AssertionError e) {
                problems.add(entry.getKey() + ": " + e.getMessage());
                continue;
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (run.exit() != 1 && run.exit() != 2) {
                own.add("exit " + run.exit() + " (stdout " + run.out().strip() + ")");
            }
            if (!oneLine(run)) {
                own.add("not one 'cocoon: ' line: " + run.err());
            }
            if (!run.err().contains(entry.getValue().reason())) {
                own.add("refused, but not because '" + entry.getValue().reason() + "': "
                        + run.err().strip());
            }
            own.addAll(nothingOutside());
            own.addAll(afterEach.problems());
            if (own.isEmpty()) {
                passed++;
                messages.add(entry.getKey() + " (" + millis + " ms): `"
                        + run.err().strip().lines().findFirst().orElse("").replace("|", "\\|") + "`");
            } else {
                problems.add(entry.getKey() + ": " + own);
            }
        }
        problems.addAll(new StoreInvariants(cocoon).check());
        problems.addAll(new StoreInvariants(cocoon).checkCollected());
        Results.record(
                "hostile input",
                name,
                what
                        + "; each exits 1 or 2 with one 'cocoon: ' line giving that case's reason, writes nothing outside the store, and the store invariants hold",
                commands.size(),
                passed,
                problems.isEmpty() ? String.join("<br>", messages) : "FAILED: " + String.join("; ", problems));
        assertEquals(List.of(), problems);
    }

    private static boolean oneLine(CocoonCli.Run run) {
        String err = run.err().strip();
        return err.startsWith("cocoon: ")
                && !err.contains("\tat ")
                && !err.contains("Exception")
                && (run.exit() == 2 || err.lines().count() == 1);
    }

    /** Only the store, the registry, the config and the planted {@code outside} folder (empty) exist in the test folder. */
    private static List<String> nothingOutside() throws Exception {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(outside)) {
            files.forEach(f -> problems.add("written outside the store: " + f));
        }
        for (Path path : List.of(
                dir.resolve("escaped.txt"), dir.getParent().resolve("escaped.txt"), Path.of("/tmp/escaped.txt"))) {
            if (Files.exists(path)) {
                problems.add("written outside the store: " + path);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> !List.of("registry", "state", "outside", "backed.qcow2", "small.qcow2")
                            .contains(f.getFileName().toString()))
                    .forEach(f -> problems.add("written outside the store: " + f));
        }
        try (Stream<Path> files = Files.list(cocoon.base())) {
            files.filter(f -> !List.of("root", "run", "log", "config.toml")
                                    .contains(f.getFileName().toString())
                            && !f.getFileName().toString().matches("(out|err)\\d+\\.txt"))
                    .forEach(f -> problems.add("written outside the store: " + f));
        }
        return problems;
    }

    /** A refused download leaves no partial file behind (gc would remove one, but there should be none). */
    private static List<String> nothingInTmp() throws Exception {
        return StoreInvariants.children(cocoon.root().resolve("tmp")).stream()
                .map(f -> "left in tmp/: " + f)
                .toList();
    }

    /** 256 MB of zeros in one entry: about 260 KB of gzip. */
    private static RegistryFixture.Layer bomb() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        byte[] header = new TestLayer().file("zeros", new byte[0], 0644, 0, 0).tarBytes();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            long size = 256L << 20;
            byte[] first = header.clone();
            writeSize(first, size);
            out.write(first, 0, 512);
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < size; written += zeros.length) {
                out.write(zeros);
            }
            out.write(new byte[1024]);
        }
        return new RegistryFixture.Layer(gz.toByteArray(), false);
    }

    /** A tar header that declares an 8 GB file followed by a few bytes: the body ends long before. */
    private static RegistryFixture.Layer hugeDeclaredSize() throws Exception {
        byte[] header = new TestLayer().file("huge", new byte[0], 0644, 0, 0).tarBytes();
        byte[] first = header.clone();
        writeSize(first, 8L << 30);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(first, 0, 512);
            out.write(new byte[4096]);
        }
        return new RegistryFixture.Layer(gz.toByteArray(), false);
    }

    /** Rewrites the size field (octal, offset 124) of the first tar header and its checksum. */
    private static void writeSize(byte[] tar, long size) {
        byte[] field = String.format("%011o", size).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(field, 0, tar, 124, 11);
        tar[135] = 0;
        java.util.Arrays.fill(tar, 148, 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += tar[i] & 0xff;
        }
        byte[] checksum = String.format("%06o", sum).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(checksum, 0, tar, 148, 6);
        tar[154] = 0;
        tar[155] = ' ';
    }

    private static void tool(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + ": " + out);
        }
    }
}
