package cocoon.runtime.cli;

import cocoon.api.Availability;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code cocoon doctor}: one line per plugin saying whether it works here and, if not, what to do. */
final class DoctorCommand extends CliCommand {

    private final CocoonCommand root;

    DoctorCommand(CocoonCommand root) {
        super("Check every plugin on this host: what works, and what to install for what does not.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        System.out.println("root dir: " + app.settings().rootDir());
        Map<String, Availability> lines = new LinkedHashMap<>(app.plugins().doctor());
        lines.put("default kernel", app.lifecycle().defaultKernel());
        int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0);
        lines.forEach((plugin, availability) -> System.out.printf(
                "%-" + width + "s   %-4s %s%n",
                plugin,
                availability.usable() ? "ok" : "MISSING",
                availability.detail()));
    }
}
