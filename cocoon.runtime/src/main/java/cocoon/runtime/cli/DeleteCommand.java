package cocoon.runtime.cli;

import cocoon.api.Image;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;

/** {@code cocoon delete ID...}: drop images from the index; their files go at the next GC. */
@Command(name = "delete", aliases = "rmi", mixinStandardHelpOptions = true,
        description = "Delete images by name or digest prefix. Files still used by VMs stay until those VMs are removed.")
final class DeleteCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(arity = "1..*", paramLabel = "ID", description = "image name or digest prefix")
    List<String> ids;

    @Option(names = "--force", description = "Delete even if VMs use the image.")
    boolean force;

    @Override
    public void run() {
        App app = root.app();
        for (String id : ids) {
            Image image = app.images().find(id);
            app.images().delete(image, app.vms().list(), force);
            System.out.println("deleted " + image.reference() + " " + image.shortDigest());
        }
        if (app.settings().gc().afterRemove()) {
            GcCommand.report(app.collector().collect(app.settings().gc().horizon(), false), false, true);
        }
    }
}
