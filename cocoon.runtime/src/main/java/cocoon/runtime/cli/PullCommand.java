package cocoon.runtime.cli;

import cocoon.api.Image;
import cocoon.api.PullOptions;
import cocoon.runtime.progress.ProgressRenderer;
import java.nio.file.Path;
import java.util.List;

/** {@code cocoon pull IMAGE...}: OCI references or http(s) URLs of cloud images. */
final class PullCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<List<String>> images = parameters("IMAGE", "registry/name[:tag|@digest], or an http(s):// URL");
    private final Flag insecure = flag("Accept any TLS certificate; for a registry, also plain HTTP.", "--insecure");
    private final Flag force = flag("Download again even if the store has it.", "--force");
    private final Value<String> checksum =
            option(String.class, "sha256:HEX", "Expected digest of a cloud image.", "--checksum");
    private final Value<String> checksumUrl =
            option(String.class, "URL", "A SHA256SUMS file that lists the cloud image.", "--checksum-url");
    private final Value<Path> caFile =
            option(Path.class, "PEM", "Extra CA certificate to trust for HTTPS.", "--ca-file");
    private final Flag quiet = flag("No progress output.", "-q", "--quiet");

    PullCommand(CocoonCommand root) {
        super("Pull OCI VM images from a registry or cloud images over HTTP(S) into the local store.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        PullOptions options =
                new PullOptions(insecure.isSet(), force.isSet(), checksum.get(), checksumUrl.get(), caFile.get());
        for (String reference : images.get()) {
            ProgressRenderer progress = ProgressRenderer.forStderr(quiet.isSet());
            Image image = app.images().pull(reference, options, progress);
            progress.finish();
            System.out.println(image.reference() + " " + image.digest());
        }
    }
}
