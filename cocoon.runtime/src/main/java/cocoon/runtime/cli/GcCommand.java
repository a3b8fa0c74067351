package cocoon.runtime.cli;

import cocoon.runtime.config.Sizes;
import cocoon.runtime.gc.Garbage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.List;

/** {@code cocoon gc}: remove unreferenced image files, orphaned VM folders and stale temp entries. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Remove image files no image or VM uses, folders of VMs that no longer exist, and old temp entries.")
final class GcCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Option(names = "--dry-run", description = "List what would be removed and the bytes it would free.")
    boolean dryRun;

    @Option(names = "--horizon", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "Temp entries younger than this stay (default: [gc] horizon, 1h).")
    Duration horizon;

    @Override
    public void run() {
        App app = root.app();
        Duration age = horizon != null ? horizon : app.settings().gc().horizon();
        report(app.collector().collect(age, dryRun), dryRun, false);
    }

    static void report(List<Garbage> garbage, boolean dryRun, boolean quietWhenEmpty) {
        if (garbage.isEmpty() && quietWhenEmpty) {
            return;
        }
        long bytes = 0;
        for (Garbage g : garbage) {
            bytes += g.bytes();
            System.out.println((dryRun ? "would remove " : "removed ") + g.path() + " (" + g.reason() + ", " + Sizes.human(g.bytes()) + ")");
        }
        System.out.println((dryRun ? "would free " : "freed ") + Sizes.human(bytes) + " in " + garbage.size() + " item" + (garbage.size() == 1 ? "" : "s"));
    }
}
