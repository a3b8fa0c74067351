package cocoon.runtime.cli;

import cocoon.api.Image;
import cocoon.api.PullOptions;
import cocoon.runtime.progress.ProgressRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.List;

/** {@code cocoon pull IMAGE...}: OCI references or http(s) URLs of cloud images. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Pull OCI VM images from a registry or cloud images over HTTP(S) into the local store.")
final class PullCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "registry/name[:tag|@digest], or an http(s):// URL")
    List<String> images;

    @Option(names = "--insecure", description = "Accept any TLS certificate; for a registry, also plain HTTP.")
    boolean insecure;

    @Option(names = "--force", description = "Download again even if the store has it.")
    boolean force;

    @Option(names = "--checksum", paramLabel = "sha256:HEX", description = "Expected digest of a cloud image.")
    String checksum;

    @Option(names = "--checksum-url", paramLabel = "URL", description = "A SHA256SUMS file that lists the cloud image.")
    String checksumUrl;

    @Option(names = "--ca-file", paramLabel = "PEM", description = "Extra CA certificate to trust for HTTPS.")
    Path caFile;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    @Override
    public void run() {
        App app = root.app();
        PullOptions options = new PullOptions(insecure, force, checksum, checksumUrl, caFile);
        for (String reference : images) {
            ProgressRenderer progress = ProgressRenderer.forStderr(quiet);
            Image image = app.images().pull(reference, options, progress);
            progress.finish();
            System.out.println(image.reference() + " " + image.digest());
        }
    }
}
