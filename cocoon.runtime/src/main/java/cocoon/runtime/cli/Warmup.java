package cocoon.runtime.cli;

import com.fasterxml.jackson.core.base.ParserMinimalBase;
import com.fasterxml.jackson.databind.util.StdDateFormat;
import java.net.MalformedURLException;
import java.net.URI;
import java.util.Set;

/**
 * Runs the slow static initialisers a command is about to need on a second thread, while the main thread parses
 * the command line, reads the config and finds the plugins (as Spring Boot's background pre-initialiser does).
 * The AOT cache holds these classes loaded and linked, not initialised, so each command paid for them in turn:
 * Jackson's default date format (a {@code SimpleDateFormat} and its locale data, ~8 ms) for every ObjectMapper,
 * its parser's {@code BigDecimal} constants (~6 ms) for every JSON read, and for a pull the first http URL, whose
 * search for {@code URLStreamHandlerProvider} services opens every jar on the module path (~15 ms). Demo image
 * pull 230 -> 217 ms, {@code ps} of 20 VMs 107 -> 104 ms (2026-12-03, 30 runs each). Only JDK and Jackson classes,
 * whose initialisers never reach Cocoon's: the two threads cannot wait on each other in a cycle, and the main
 * thread, if it gets to a class first, initialises it while this one waits.
 */
final class Warmup {

    /** These map the small AOT cache, which lacks Jackson: initialising it would read its classes from the jars. */
    private static final Set<String> WITHOUT_STORE = Set.of("version", "help", "completion");

    private static final Set<String> FETCHING = Set.of("pull");

    private Warmup() {}

    /** Starts the warm-up for {@code command} (null: no command named), unless it is one that opens no store. */
    static void startFor(String command) {
        if (command == null || WITHOUT_STORE.contains(command)) {
            return;
        }
        boolean fetches = FETCHING.contains(command);
        Thread.ofPlatform().daemon().name("cocoon-warmup").start(() -> warm(fetches));
    }

    /** In the order a pull needs them: the store's mapper, then the registry's URL, then the manifest's parser. */
    private static void warm(boolean fetches) {
        initialize(StdDateFormat.class);
        if (fetches) {
            try {
                URI.create("http://127.0.0.1/").toURL();
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }
        initialize(ParserMinimalBase.class);
    }

    private static void initialize(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
