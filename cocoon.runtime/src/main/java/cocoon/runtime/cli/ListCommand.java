package cocoon.runtime.cli;

import cocoon.api.Image;
import cocoon.runtime.config.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Instant;
import java.util.List;

/** {@code cocoon list}: every pulled image, OCI and cloud. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List pulled images.")
final class ListCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Override
    public void run() {
        List<Image> images = root.app().images().list();
        if (format == OutputFormat.json) {
            JsonOutput.print(images);
            return;
        }
        Instant now = Instant.now();
        Table table = new Table("NAME", "TYPE", "DIGEST", "SIZE", "CREATED");
        for (Image image : images) {
            table.row(image.reference(), image.kind(), image.shortDigest(), Sizes.human(image.sizeBytes()), Ages.ago(image.created(), now));
        }
        table.print(System.out);
    }
}
