package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin built outside Cocoon, against cocoon.api only, dropped as a jar into a copy of the runtime
 * image's plugins/ folder: the CLI loads it in its own module layer and routes references to it.
 */
class ThirdPartyPluginTest {

    @TempDir
    Path dir;

    @Test
    void aJarInThePluginsFolderIsDiscoveredAndUsed() throws Exception {
        Path image = dir.resolve("image");
        copyTree(CocoonCli.IMAGE, image);
        buildPlugin(image.resolve("plugins/demo-source.jar"));

        CocoonCli cocoon = new CocoonCli(dir.resolve("state"));
        CocoonCli.Run doctor = run(image, cocoon, "doctor").ok();
        assertTrue(
                doctor.out().lines().anyMatch(l -> l.startsWith("image source demo") && l.contains("ok")),
                doctor.out());

        CocoonCli.Run pull = run(image, cocoon, "pull", "--quiet", "demo:hello").ok();
        assertTrue(pull.out().startsWith("demo:hello sha256:"), pull.out());
        CocoonCli.Run list = run(image, cocoon, "list").ok();
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("demo:hello") && l.contains(" demo ")), list.out());
    }

    private static CocoonCli.Run run(Path image, CocoonCli cocoon, String... args) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                Stream.concat(Stream.of(image.resolve("bin/cocoon").toString()), Stream.of(args))
                        .toList());
        builder.environment().put("COCOON_ROOT_DIR", cocoon.root().toString());
        builder.environment().put("COCOON_RUN_DIR", cocoon.base().resolve("run").toString());
        builder.environment().put("COCOON_LOG_DIR", cocoon.base().resolve("log").toString());
        builder.environment()
                .put("COCOON_CONFIG", cocoon.base().resolve("config.toml").toString());
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new CocoonCli.Run(process.waitFor(), out, err);
    }

    private void buildPlugin(Path jar) throws IOException {
        Path src = dir.resolve("plugin-src");
        Path classes = dir.resolve("plugin-classes");
        write(src.resolve("module-info.java"), """
                module demo.source {
                    requires cocoon.api;
                    provides cocoon.api.ImageSource.Provider with demo.source.DemoProvider;
                }
                """);
        write(src.resolve("demo/source/DemoProvider.java"), """
                package demo.source;

                import cocoon.api.*;
                import java.nio.file.*;
                import java.time.Instant;
                import java.util.*;

                public final class DemoProvider implements ImageSource.Provider {
                    public String kind() { return "demo"; }

                    public ImageSource open(PluginContext context) {
                        Path index = context.rootDir().resolve("images/demo");
                        return new ImageSource() {
                            public String kind() { return "demo"; }
                            public boolean handles(String ref) { return ref.startsWith("demo:"); }
                            public Image pull(String ref, PullOptions options, ProgressListener progress) {
                                try {
                                    Files.createDirectories(index);
                                    Files.writeString(index.resolve(ref.substring(5)), ref);
                                } catch (java.io.IOException e) {
                                    throw new CocoonException("cannot store " + ref, "check the root dir");
                                }
                                return image(ref);
                            }
                            public List<Image> list() {
                                try (var names = Files.list(index)) {
                                    return names.map(p -> image("demo:" + p.getFileName())).toList();
                                } catch (java.io.IOException e) {
                                    return List.of();
                                }
                            }
                            public void delete(Image image) { }
                            public Set<Path> files() { return Set.of(); }
                            public Set<Path> inUse() { return Set.of(); }
                            public Availability check() { return Availability.ok("demo plugin from plugins/"); }
                        };
                    }

                    private static Image image(String ref) {
                        String hex = String.format("%064x", Math.abs((long) ref.hashCode()));
                        return new Image("demo", ref, "sha256:" + hex, 1, Instant.EPOCH, BootSpec.firmware(), List.of());
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = List.of(
                "--release",
                "21",
                "--module-path",
                CocoonCli.IMAGE.resolve("lib/app").toString(),
                "-d",
                classes.toString(),
                src.resolve("module-info.java").toString(),
                src.resolve("demo/source/DemoProvider.java").toString());
        assertEquals(
                0, javac.run(null, null, null, args.toArray(String[]::new)), "the plugin compiles against cocoon.api");
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString()));
                Files.copy(file, (OutputStream) out);
                out.closeEntry();
            }
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
