package cocoon.runtime.cli;

import cocoon.runtime.config.Sizes;
import cocoon.runtime.gc.Garbage;
import java.time.Duration;
import java.util.List;

/** {@code cocoon gc}: remove unreferenced image files, orphaned VM folders and stale temp entries. */
final class GcCommand extends CliCommand {

    private final CocoonCommand root;
    private final Flag dryRun = flag("List what would be removed and the bytes it would free.", "--dry-run");
    private final Value<Duration> horizon = option(
            new Converters.Time(),
            Duration.class,
            "DURATION",
            "Temp entries younger than this stay (default: [gc] horizon, 1h).",
            "--horizon");

    GcCommand(CocoonCommand root) {
        super("Remove image files no image or VM uses, folders of VMs that no longer exist, old temp entries, and"
                + " the TAPs and forwarding rules of VMs that no longer run.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        Duration age =
                horizon.get() != null ? horizon.get() : app.settings().gc().horizon();
        report(app.collector().collect(age, dryRun.isSet()), dryRun.isSet(), false);
    }

    static void report(List<Garbage> garbage, boolean dryRun, boolean quietWhenEmpty) {
        if (garbage.isEmpty() && quietWhenEmpty) {
            return;
        }
        long bytes = 0;
        for (Garbage g : garbage) {
            bytes += g.bytes();
            System.out.println((dryRun ? "would remove " : "removed ") + g.what() + " (" + g.reason() + ", "
                    + Sizes.human(g.bytes()) + ")");
        }
        System.out.println((dryRun ? "would free " : "freed ") + Sizes.human(bytes) + " in " + garbage.size() + " item"
                + (garbage.size() == 1 ? "" : "s"));
    }
}
