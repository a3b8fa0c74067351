package cocoon.plugin.cloudimage;

import cocoon.api.ImageSource;
import cocoon.api.PluginContext;
import cocoon.plugin.cloudimage.disk.OverlayDiskBuilderProvider;
import cocoon.runtime.config.ConfigSection;
import cocoon.runtime.config.SettingSections;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A store in a temp dir, opened through the real runtime services with short HTTP timeouts. */
final class PullFixture {

    final Path root;
    final PluginContext context;
    final ImageSource source;

    /** Generous timeouts: the test host is shared and often loaded. */
    PullFixture(Path dir) {
        this(dir, "30s", "10s");
    }

    /** Timeouts as the config file spells them; the connect timeout covers the TLS handshake too. */
    PullFixture(Path dir, String connectTimeout, String readTimeout) {
        this(dir, Map.of("connect_timeout", connectTimeout, "read_timeout", readTimeout));
    }

    /**
     * {@code settings} over generous timeouts and {@code max_redirects = 3}, read as the runtime reads the
     * {@code [cloudimg]} section the source and the disk builder share.
     */
    PullFixture(Path dir, Map<String, String> settings) {
        this.root = dir.resolve("root");
        Map<String, String> merged =
                new TreeMap<>(Map.of("connect_timeout", "30s", "read_timeout", "10s", "max_redirects", "3"));
        merged.putAll(settings);
        CloudImageSourceProvider provider = new CloudImageSourceProvider();
        SettingSections declared = new SettingSections()
                .declare(provider.kind(), "image source", provider.settings())
                .declare(provider.kind(), "disk builder", new OverlayDiskBuilderProvider().settings());
        this.context = Contexts.of(
                LockScope.imageSource("cloudimg"),
                root,
                dir.resolve("run"),
                dir.resolve("log"),
                ConfigSection.read(null, provider.kind(), declared.section(provider.kind()), merged)
                        .values());
        this.source = provider.open(context);
    }

    Path blobs() {
        return root.resolve("images/cloudimg/blobs");
    }

    Path index() {
        return root.resolve("images/cloudimg/index.json");
    }

    /** Every file of the store (blobs and index) with its digest: what a failed pull must not change. */
    Map<String, String> storeSnapshot() {
        Map<String, String> files = new TreeMap<>();
        Path store = root.resolve("images/cloudimg");
        if (!Files.isDirectory(store)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(store)) {
            walk.filter(Files::isRegularFile)
                    .forEach(f -> files.put(store.relativize(f).toString(), Tools.sha256(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** What is left in tmp/: at most the partial download of a failed pull. */
    long tmpFiles() {
        Path tmp = root.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(tmp)) {
            return list.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
