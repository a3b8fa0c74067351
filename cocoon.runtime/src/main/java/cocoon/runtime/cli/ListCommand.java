package cocoon.runtime.cli;

import cocoon.api.Image;
import cocoon.runtime.config.Sizes;
import java.time.Instant;
import java.util.List;

/** {@code cocoon list}: every pulled image, OCI and cloud. */
final class ListCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<OutputFormat> format = formatOption();

    ListCommand(CocoonCommand root) {
        super("List pulled images.");
        this.root = root;
    }

    @Override
    public void run() {
        List<Image> images = root.app().images().list();
        if (format.get() == OutputFormat.json) {
            JsonOutput.print(images);
            return;
        }
        Instant now = Instant.now();
        Table table = new Table("NAME", "TYPE", "DIGEST", "SIZE", "CREATED");
        for (Image image : images) {
            table.row(
                    image.reference(),
                    image.kind(),
                    image.shortDigest(),
                    Sizes.human(image.sizeBytes()),
                    Ages.ago(image.created(), now));
        }
        table.print(System.out);
    }
}
