package cocoon.runtime.cli;

import cocoon.api.Image;
import cocoon.api.VmRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code cocoon delete ID...}: drop images from the index; their files go at the next GC. */
final class DeleteCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<List<String>> ids = parameters("ID", "image name or digest prefix");
    private final Flag force = flag("Delete even if VMs use the image.", "--force");

    DeleteCommand(CocoonCommand root) {
        super(
                "Delete images by name or digest prefix. Files still used by VMs or snapshots stay until those are removed.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        for (String id : ids.get()) {
            Image image = app.images().find(id);
            Map<String, VmRecord> snapshots = new LinkedHashMap<>();
            app.snapshots().list().forEach(snapshot -> snapshots.put(snapshot.name(), snapshot.vm()));
            app.images().delete(image, app.vms().list(), snapshots, force.isSet());
            System.out.println("deleted " + image.reference() + " " + image.shortDigest());
        }
        if (app.settings().gc().afterRemove()) {
            GcCommand.report(app.collector().collect(app.settings().gc().horizon(), false), false, true);
        }
    }
}
