package cocoon.runtime.cli;

import cocoon.api.Availability;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.Map;

/** {@code cocoon doctor}: one line per plugin saying whether it works here and, if not, what to do. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check every plugin on this host: what works, and what to install for what does not.")
final class DoctorCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Override
    public void run() {
        App app = root.app();
        System.out.println("root dir: " + app.settings().rootDir());
        Map<String, Availability> lines = app.plugins().doctor();
        int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0);
        lines.forEach((plugin, availability) -> System.out.printf("%-" + width + "s   %-4s %s%n",
                plugin, availability.usable() ? "ok" : "MISSING", availability.detail()));
    }
}
