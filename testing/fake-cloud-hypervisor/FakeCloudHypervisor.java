import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict stand-in for {@code cloud-hypervisor} (v40 to v54, v54.0.0 unless {@code FAKE_CHV_VERSION} says otherwise),
 * for contract tests on hosts without KVM. No guest runs.
 *
 * <p>It parses the command line the way Cloud Hypervisor does (clap options, then
 * {@code key=value,key=value} lists with known keys and typed values), starts in Cloud Hypervisor's
 * order (API socket first, then create and boot the VM from the command line, so a boot failure comes
 * after the API answered), serves the REST endpoints {@code vmm.ping}, {@code vm.info},
 * {@code vm.power-button}, {@code vm.shutdown} and {@code vmm.shutdown} with Cloud Hypervisor's
 * status codes and bodies, writes {@code --event-monitor} events as Cloud Hypervisor does, and exits
 * the way it does when the guest powers off. Each behaviour names the Cloud Hypervisor source it
 * follows; README.md lists the switches (environment variables).
 */
public class FakeCloudHypervisor {

    /** Which release to answer as; behaviours that changed between v40 and v54 follow it. */
    static final String VERSION = env("FAKE_CHV_VERSION", "54.0.0");

    static final int MAJOR = Integer.parseInt(VERSION.split("\\.")[0]);

    enum Arity {
        FLAG,
        ONE,
        MANY
    }

    enum Kind {
        TOGGLE,
        BYTES,
        INT,
        TEXT,
        VALUELESS,
        IMAGE_TYPE,
        LOCK,
        HOTPLUG,
        MAC,
        IP,
        VHOST_MODE,
        FD_LIST
    }

    static final Map<String, Arity> OPTIONS = new LinkedHashMap<>();
    static final Map<String, Map<String, Kind>> KEYS = new LinkedHashMap<>();
    static final Set<String> PAYLOAD = Set.of("kernel", "firmware", "igvm");
    static final Set<String> VMM_CONFIG =
            Set.of("api-socket", "event-monitor", "restore", "seccomp", "v", "log-file", "version", "help");

    static {
        for (String one : List.of(
                "api-socket",
                "balloon",
                "cmdline",
                "console",
                "cpus",
                "debug-console",
                "event-monitor",
                "firmware",
                "initramfs",
                "kernel",
                "log-file",
                "memory",
                "platform",
                "restore",
                "rng",
                "seccomp",
                "serial",
                "tpm",
                "vsock",
                "igvm",
                "host-data",
                "fw-cfg-config",
                "ivshmem",
                "gdb")) {
            OPTIONS.put(one, Arity.ONE);
        }
        for (String many : List.of(
                "device",
                "disk",
                "fs",
                "generic-vhost-user",
                "landlock-rules",
                "memory-zone",
                "net",
                "numa",
                "pci-segment",
                "pmem",
                "rate-limit-group",
                "user-device",
                "vdpa")) {
            OPTIONS.put(many, Arity.MANY);
        }
        for (String flag : List.of("watchdog", "pvpanic", "landlock", "version", "help")) {
            OPTIONS.put(flag, Arity.FLAG);
        }
        Map<String, Kind> pci =
                Map.of("id", Kind.TEXT, "pci_segment", Kind.INT, "pci_device_id", Kind.INT, "iommu", Kind.TOGGLE);
        KEYS.put("api-socket", Map.of("path", Kind.TEXT, "fd", Kind.INT));
        KEYS.put("event-monitor", Map.of("path", Kind.TEXT, "fd", Kind.INT));
        KEYS.put(
                "cpus",
                Map.of(
                        "boot",
                        Kind.INT,
                        "max",
                        Kind.INT,
                        "topology",
                        Kind.TEXT,
                        "kvm_hyperv",
                        Kind.TOGGLE,
                        "max_phys_bits",
                        Kind.INT,
                        "affinity",
                        Kind.TEXT,
                        "features",
                        Kind.TEXT,
                        "nested",
                        Kind.TOGGLE,
                        "core_scheduling",
                        Kind.TEXT));
        KEYS.put(
                "memory",
                Map.of(
                        "size",
                        Kind.BYTES,
                        "mergeable",
                        Kind.TOGGLE,
                        "shared",
                        Kind.TOGGLE,
                        "hugepages",
                        Kind.TOGGLE,
                        "hugepage_size",
                        Kind.BYTES,
                        "hotplug_method",
                        Kind.HOTPLUG,
                        "hotplug_size",
                        Kind.BYTES,
                        "hotplugged_size",
                        Kind.BYTES,
                        "prefault",
                        Kind.TOGGLE,
                        "thp",
                        Kind.TOGGLE));
        Map<String, Kind> disk = new LinkedHashMap<>(pci);
        for (String toggle : List.of(
                "readonly", "direct", "vhost_user", "_disable_io_uring", "_disable_aio", "backing_files", "sparse")) {
            disk.put(toggle, Kind.TOGGLE);
        }
        for (String number : List.of(
                "queue_size",
                "num_queues",
                "bw_size",
                "bw_one_time_burst",
                "bw_refill_time",
                "ops_size",
                "ops_one_time_burst",
                "ops_refill_time")) {
            disk.put(number, Kind.INT);
        }
        for (String text : List.of("path", "socket", "serial", "rate_limit_group", "queue_affinity")) {
            disk.put(text, Kind.TEXT);
        }
        disk.put("image_type", Kind.IMAGE_TYPE);
        disk.put("lock_granularity", Kind.LOCK);
        KEYS.put("disk", disk);
        Map<String, Kind> rng = new LinkedHashMap<>(Map.of("src", Kind.TEXT, "iommu", Kind.TOGGLE));
        KEYS.put("rng", rng);
        Map<String, Kind> balloon = new LinkedHashMap<>(pci);
        balloon.putAll(Map.of("size", Kind.BYTES, "deflate_on_oom", Kind.TOGGLE, "free_page_reporting", Kind.TOGGLE));
        KEYS.put("balloon", balloon);
        Map<String, Kind> console = new LinkedHashMap<>(Map.of(
                "off",
                Kind.VALUELESS,
                "pty",
                Kind.VALUELESS,
                "tty",
                Kind.VALUELESS,
                "null",
                Kind.VALUELESS,
                "file",
                Kind.TEXT,
                "socket",
                Kind.TEXT));
        KEYS.put("serial", Map.copyOf(console));
        console.put("iommu", Kind.TOGGLE);
        KEYS.put("console", console);
        // vmm/src/config.rs NetConfig::parse: its own keys plus the PCI ones (id, pci_segment, pci_device_id, iommu).
        Map<String, Kind> net = new LinkedHashMap<>(pci);
        net.putAll(Map.of("tap", Kind.TEXT, "ip", Kind.IP, "mask", Kind.IP, "mac", Kind.MAC, "host_mac", Kind.MAC));
        for (String toggle : List.of("offload_tso", "offload_ufo", "offload_csum", "vhost_user")) {
            net.put(toggle, Kind.TOGGLE);
        }
        for (String number : List.of(
                "mtu",
                "queue_size",
                "num_queues",
                "bw_size",
                "bw_one_time_burst",
                "bw_refill_time",
                "ops_size",
                "ops_one_time_burst",
                "ops_refill_time")) {
            net.put(number, Kind.INT);
        }
        net.put("socket", Kind.TEXT);
        net.put("vhost_mode", Kind.VHOST_MODE);
        net.put("fd", Kind.FD_LIST);
        KEYS.put("net", net);
        // vmm/src/config.rs RestoreConfig::parse: source_url, prefault, net_fds (FD-backed cards only), and in recent
        // releases resume and memory_restore_mode.
        KEYS.put(
                "restore",
                Map.of(
                        "source_url",
                        Kind.TEXT,
                        "prefault",
                        Kind.TOGGLE,
                        "resume",
                        Kind.TOGGLE,
                        "net_fds",
                        Kind.TEXT,
                        "memory_restore_mode",
                        Kind.TEXT));
    }

    static final Pattern BYTES = Pattern.compile("\\d+[KMG]?");
    static final Pattern INT = Pattern.compile("\\d+");
    /** net_util/src/mac.rs MacAddr::parse_str: six colon-separated parts of exactly two hex digits. */
    static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    /** Rust's Ipv4Addr parser: four decimal octets, no leading zeros. */
    static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    /** option_parser IntegerList: one number, or a bracketed comma-separated list. */
    static final Pattern FD_LIST = Pattern.compile("\\d+|\\[\\d+(,\\d+)*]");

    /** Exit with clap's usage-error status and wording. */
    static void usageError(String message) {
        System.err.println(
                "error: " + message + "\n\nUsage: cloud-hypervisor [OPTIONS]\n\nFor more information, try '--help'.");
        System.exit(2);
    }

    /** A failed start; main() reports it the way cloud-hypervisor/src/main.rs does. */
    static final class StartFailure extends RuntimeException {
        final List<String> chain;

        StartFailure(List<String> chain) {
            super(String.join(": ", chain));
            this.chain = chain;
        }
    }

    /** Fails the start with this error chain (top error first, root cause last). */
    static void chainError(String... chain) {
        throw new StartFailure(List.of(chain));
    }

    /**
     * cloud-hypervisor/src/main.rs: v47 and later print the chain one error a line (cli_print_error_chain,
     * PR #7066 "Nice Error Messages"); before, main printed the top error's Display with its sources inline.
     */
    static void printChain(List<String> chain) {
        StringBuilder text = new StringBuilder();
        if (MAJOR >= 47) {
            text.append("Error: Cloud Hypervisor exited with the following chain of errors:\n");
            for (int i = 0; i < chain.size(); i++) {
                text.append("  ").append(i).append(": ").append(chain.get(i)).append('\n');
            }
        } else {
            text.append(String.join(": ", chain)).append('\n');
        }
        System.err.print(text);
    }

    static Map<String, List<String>> parseArgs(String[] args) {
        Map<String, List<String>> given = new LinkedHashMap<>();
        int verbosity = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-V")) {
                arg = "--version";
            } else if (arg.equals("-h")) {
                arg = "--help";
            } else if (arg.matches("-v+")) {
                verbosity += arg.length() - 1;
                given.put("v", List.of(Integer.toString(verbosity)));
                continue;
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                usageError("unexpected argument '" + arg + "' found");
            }
            String name = arg.substring(2);
            String inline = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                inline = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            Arity arity = OPTIONS.get(name);
            if (arity == null) {
                usageError("unexpected argument '--" + name + "' found");
            }
            List<String> values = new ArrayList<>();
            if (arity == Arity.FLAG) {
                if (inline != null) {
                    usageError("unexpected value '" + inline + "' for '--" + name + "' found; no more were expected");
                }
            } else if (inline != null) {
                values.add(inline);
            } else {
                while (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                    values.add(args[++i]);
                    if (arity == Arity.ONE) {
                        break;
                    }
                }
                if (values.isEmpty()) {
                    usageError("a value is required for '--" + name + " <" + name + ">' but none was supplied");
                }
            }
            if (given.containsKey(name) && arity != Arity.MANY) {
                usageError("the argument '--" + name + (arity == Arity.FLAG ? "" : " <" + name + ">")
                        + "' cannot be used multiple times");
            }
            given.computeIfAbsent(name, key -> new ArrayList<>()).addAll(values);
        }
        boolean vmConfig =
                given.keySet().stream().anyMatch(name -> !VMM_CONFIG.contains(name) && !PAYLOAD.contains(name));
        boolean payload = given.keySet().stream().anyMatch(PAYLOAD::contains);
        if (vmConfig && !payload) {
            usageError(
                    "the following required arguments were not provided:\n  <--firmware <firmware>|--kernel <kernel>|--igvm <igvm>>");
        }
        return given;
    }

    /** Cloud Hypervisor's OptionParser: comma-separated key=value pairs with known keys and typed values. */
    static Map<String, String> parseValue(String option, String value) {
        Map<String, Kind> keys = KEYS.get(option);
        if (keys == null) {
            chainError("fake-cloud-hypervisor does not emulate --" + option
                    + " (valid Cloud Hypervisor syntax, untested here)");
        }
        Map<String, String> parsed = new LinkedHashMap<>();
        if (value.strip().isEmpty()) {
            return parsed;
        }
        if (option.equals("api-socket") && !value.contains("=")) {
            parsed.put("path", value);
            return parsed;
        }
        for (String pair : splitOutsideBrackets(value)) {
            String[] parts = pair.split("=", -1);
            Kind kind = keys.get(parts[0]);
            if (kind == null) {
                configError(option, "unknown option: " + parts[0]);
            }
            if (kind == Kind.VALUELESS) {
                parsed.put(parts[0], "");
                continue;
            }
            if (parts.length != 2) {
                configError(option, "invalid syntax:" + pair);
            }
            String text = parts[1].strip();
            boolean ok = switch (kind) {
                case TOGGLE -> Set.of("", "on", "off", "true", "false").contains(text.toLowerCase(Locale.ROOT));
                case BYTES -> BYTES.matcher(text).matches();
                case INT -> INT.matcher(text).matches();
                case IMAGE_TYPE ->
                    Set.of("raw", "qcow2", "vhd", "vhdx", "vmdk").contains(text.toLowerCase(Locale.ROOT));
                case LOCK -> Set.of("byte-range", "full").contains(text);
                case HOTPLUG -> Set.of("acpi", "virtio-mem").contains(text.toLowerCase(Locale.ROOT));
                case MAC -> MAC.matcher(text).matches();
                case IP -> IPV4.matcher(text).matches() || ipv6(text);
                case VHOST_MODE -> Set.of("client", "server").contains(text.toLowerCase(Locale.ROOT));
                case FD_LIST -> FD_LIST.matcher(text).matches();
                case TEXT, VALUELESS -> true;
            };
            if (!ok) {
                configError(option, "unable to parse " + text + " for " + parts[0]);
            }
            parsed.put(parts[0], text);
        }
        return parsed;
    }

    /** Newer releases parse ip and mask as an IpAddr, so an IPv6 literal is accepted too. */
    static boolean ipv6(String text) {
        if (!text.contains(":")) {
            return false;
        }
        try {
            java.net.Inet6Address.ofLiteral(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** main.rs: VM options fail as ParsingConfig, the restore option as ParsingRestore. */
    static void configError(String option, String detail) {
        chainError(
                option.equals("restore") ? "Error parsing restore" : "Error parsing config",
                "Error parsing --" + option,
                detail);
    }

    static List<String> splitOutsideBrackets(String value) {
        List<String> list = new ArrayList<>();
        int depth = 0;
        for (String element : value.strip().split(",", -1)) {
            if (depth > 0) {
                list.set(list.size() - 1, list.get(list.size() - 1) + "," + element);
            } else {
                list.add(element);
            }
            depth += element.chars().filter(c -> c == '[').count()
                    - element.chars().filter(c -> c == ']').count();
        }
        return list;
    }

    static boolean on(Map<String, String> options, String key) {
        String value = options.getOrDefault(key, "off").toLowerCase(Locale.ROOT);
        return value.equals("on") || value.equals("true");
    }

    static long bytes(String text) {
        long shift = text.endsWith("K") ? 10 : text.endsWith("M") ? 20 : text.endsWith("G") ? 30 : 0;
        return Long.parseLong(shift == 0 ? text : text.substring(0, text.length() - 1)) << shift;
    }
    // ---- the VMM and its VM ----

    record Console(String mode, String file) {}

    final Map<String, List<String>> args;
    final Path socket;
    final Path record;
    final String eventMonitor;
    OutputStream events;
    long monitorStart;
    FileChannel socketLock;
    Map<String, String> cpus;
    Map<String, String> memory;
    final List<Map<String, String>> disks = new ArrayList<>();
    final List<Map<String, String>> nets = new ArrayList<>();
    Map<String, String> balloon;
    Console serial;
    Console console;
    final List<Process> ptyHolders = new ArrayList<>();
    /** vmm/src/lib.rs: API requests, boot and shutdown all run on the one VMM thread, one at a time. */
    final Object vmmThread = new Object();
    /** vmm/src/lib.rs Vmm::vm_config: set by VmCreate, dropped by vm_delete. */
    volatile boolean created;
    /** vmm/src/lib.rs Vmm::vm: set by a successful VmBoot or VmRestore, taken by vm_shutdown. */
    volatile boolean booted;
    /** vm/src/vm.rs VmState::Paused: the vCPUs stopped by vm.pause, or a VM restored (it was paused when saved). */
    volatile boolean paused;
    /** The payload as configured: kernel, initramfs, cmdline, firmware. */
    final Map<String, String> payload = new LinkedHashMap<>();

    boolean watchdog;
    /**
     * The guest's memory, as far as the double has a guest: every line typed on its consoles. A snapshot saves it
     * in memory-ranges and a restore loads it back, so a restored guest remembers what its source was told.
     */
    final List<String> guestMemory = new ArrayList<>();
    /** Set by a restore until the first resume, when the restored guest speaks on its console (it did not boot). */
    boolean restoredNotYetResumed;
    /** The top of the error chain a failed VM start reports: a boot's, or a restore's. */
    List<String> startFailure = List.of("Error booting VM", "The VM could not boot");
    /** What the guest writes to each PTY it has ("console", "serial"). */
    final Map<String, OutputStream> ptyOutputs = new java.util.concurrent.ConcurrentHashMap<>();

    volatile boolean serving;

    /** What main.rs parses before anything else: the API socket and the event monitor. */
    FakeCloudHypervisor(Map<String, List<String>> args) {
        this.args = args;
        Map<String, String> api = parseValue("api-socket", one("api-socket", ""));
        if (api.containsKey("fd") || !api.containsKey("path")) {
            chainError("fake-cloud-hypervisor needs --api-socket path=<socket>");
        }
        socket = Path.of(api.get("path"));
        String recordTo = System.getenv("FAKE_CHV_RECORD");
        record = recordTo == null || recordTo.isBlank() ? Path.of(socket + ".requests") : Path.of(recordTo);
        eventMonitor = args.containsKey("event-monitor") ? one("event-monitor", "") : null;
    }

    String one(String option, String fallback) {
        List<String> values = args.get(option);
        return values == null ? fallback : values.get(0);
    }

    /** The VmConfig::parse that main.rs runs after the VMM thread (and its API socket) started. */
    void configure() {
        for (String key : List.of("kernel", "initramfs", "cmdline", "firmware")) {
            payload.put(key, one(key, null));
        }
        watchdog = args.containsKey("watchdog");
        cpus = parseValue("cpus", one("cpus", "boot=1"));
        memory = parseValue("memory", one("memory", "size=512M"));
        parseValue("rng", one("rng", "src=/dev/urandom"));
        balloon = args.containsKey("balloon") ? parseValue("balloon", one("balloon", "")) : null;
        for (String disk : args.getOrDefault("disk", List.of())) {
            Map<String, String> parsed = parseValue("disk", disk);
            if (!parsed.containsKey("path")) {
                configError("disk", "path missing");
            }
            disks.add(parsed);
        }
        for (String net : args.getOrDefault("net", List.of())) {
            nets.add(net(parseValue("net", net)));
        }
        serial = consoleMode("serial", one("serial", "null"));
        console = consoleMode("console", one("console", "tty"));
        if (serial.mode().equals("Tty") && console.mode().equals("Tty")) {
            chainError(
                    "Error parsing config",
                    "Error validating configuration",
                    "Console mode tty specified for both serial and console");
        }
    }

    /**
     * vmm/src/config.rs NetConfig::parse and validate: a MAC is made up when none is given (a random locally
     * administered one); fewer than two queues, or more queue pairs than vCPUs, fail the validation. Only a
     * named TAP is emulated: without {@code tap=} Cloud Hypervisor makes a TAP of its own or uses descriptors
     * or a vhost-user socket, none of which this double can stand in for.
     */
    Map<String, String> net(Map<String, String> parsed) {
        if (!parsed.containsKey("tap") || parsed.containsKey("fd") || on(parsed, "vhost_user")) {
            chainError("fake-cloud-hypervisor emulates only --net tap=<name> (valid Cloud Hypervisor syntax, untested"
                    + " here)");
        }
        Map<String, String> net = new LinkedHashMap<>(parsed);
        net.putIfAbsent("num_queues", "2");
        net.putIfAbsent("queue_size", "256");
        if (!net.containsKey("mac")) {
            java.util.Random random = new java.util.Random();
            StringBuilder mac = new StringBuilder("2e");
            for (int i = 0; i < 5; i++) {
                mac.append(String.format(":%02x", random.nextInt(256)));
            }
            net.put("mac", mac.toString());
        }
        int queues = Integer.parseInt(net.get("num_queues"));
        if (queues < 2) {
            chainError(
                    "Error parsing config",
                    "Error validating configuration",
                    "Number of queues to virtio_net less than 2");
        }
        if (queues / 2 > Integer.parseInt(cpus.getOrDefault("boot", "1"))) {
            chainError(
                    "Error parsing config",
                    "Error validating configuration",
                    "Number of vCPUs is insufficient for number of queues");
        }
        return net;
    }

    Console consoleMode(String option, String value) {
        Map<String, String> parsed = parseValue(option, value);
        for (String mode : List.of("off", "pty", "tty", "null")) {
            if (parsed.containsKey(mode)) {
                return new Console(Character.toUpperCase(mode.charAt(0)) + mode.substring(1), null);
            }
        }
        if (parsed.containsKey("file")) {
            return new Console("File", parsed.get("file"));
        }
        if (parsed.containsKey("socket")) {
            return new Console("Socket", parsed.get("socket"));
        }
        chainError("Error parsing config", "Error parsing --" + option + ": invalid console mode given");
        return null;
    }

    // ---- events ----

    /**
     * cloud-hypervisor/src/main.rs opens the --event-monitor file write+create+truncate (or takes fd=N)
     * before it logs "vmm starting"; event_monitor/src/lib.rs times events from that moment.
     */
    void openEventMonitor() throws IOException {
        if (eventMonitor == null) {
            return;
        }
        Map<String, String> monitor = parseValue("event-monitor", eventMonitor);
        if (monitor.containsKey("fd")) {
            events = new FileOutputStream("/proc/self/fd/" + monitor.get("fd"), true);
        } else if (monitor.containsKey("path")) {
            events = Files.newOutputStream(
                    Path.of(monitor.get("path")),
                    StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            chainError("Error parsing --event-monitor: path or fd required");
        }
        monitorStart = System.nanoTime();
    }

    /**
     * event_monitor/src/lib.rs: each event is serde_json::to_string_pretty of {timestamp (a Duration since
     * the monitor was set: secs and nanos), source, event, properties (null or an object of strings)};
     * vmm/src/lib.rs start_event_monitor_thread writes it followed by an empty line ("\n\n").
     */
    synchronized void event(String source, String event, Map<String, String> properties) {
        if (events == null) {
            return;
        }
        long elapsed = System.nanoTime() - monitorStart;
        StringBuilder json = new StringBuilder("{\n  \"timestamp\": {\n    \"secs\": ")
                .append(elapsed / 1_000_000_000L)
                .append(",\n    \"nanos\": ")
                .append(elapsed % 1_000_000_000L)
                .append("\n  },\n  \"source\": ")
                .append(json(source))
                .append(",\n  \"event\": ")
                .append(json(event))
                .append(",\n  \"properties\": ");
        if (properties == null) {
            json.append("null");
        } else {
            json.append("{");
            String separator = "\n";
            for (Map.Entry<String, String> property : properties.entrySet()) {
                json.append(separator)
                        .append("    ")
                        .append(json(property.getKey()))
                        .append(": ")
                        .append(json(property.getValue()));
                separator = ",\n";
            }
            json.append("\n  }");
        }
        json.append("\n}\n\n");
        try {
            events.write(json.toString().getBytes(StandardCharsets.UTF_8));
            events.flush();
        } catch (IOException e) {
            // main.rs ignores event write errors (write_all(..).ok()).
        }
    }

    void event(String source, String event) {
        event(source, event, null);
    }

    /** The virtio device ids Cloud Hypervisor's DeviceManager gives (vmm/src/device_manager.rs: _disk0, _rng, ...). */
    List<String> virtioDevices() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            ids.add("_disk" + i);
        }
        for (int i = 0; i < nets.size(); i++) {
            ids.add(netId(i));
        }
        ids.add("_rng");
        if (console.mode().equals("Pty")
                || console.mode().equals("File")
                || console.mode().equals("Tty")) {
            ids.add("_console");
        }
        if (balloon != null) {
            ids.add("_balloon");
        }
        return ids;
    }

    /**
     * device_manager.rs next_device_name: one counter for every device named by Cloud Hypervisor, so the first
     * card after three disks is _net3; an {@code id=} given on the command line is kept.
     */
    String netId(int index) {
        return nets.get(index).getOrDefault("id", "_net" + (disks.size() + index));
    }

    // ---- create and boot ----

    /** vmm/src/lib.rs vm_create: stores the config and pre-creates the console devices (PTYs are made here). */
    void create() throws IOException {
        synchronized (vmmThread) {
            created = true;
            openConsoles(true);
        }
    }

    /**
     * vmm/src/lib.rs vm_boot: "vm booting", Vm::new (opens payload and disks), boot, "vm booted" (before v4x
     * the two events came from vm/src/vm.rs Vm::boot, after Vm::new). A failure reaches main.rs as
     * "Error booting VM" / "The VM could not boot" and the VMM shuts down.
     */
    void boot() throws IOException {
        synchronized (vmmThread) {
            event("vm", "booting");
            String failure = env("FAKE_CHV_BOOT_FAILURE", "");
            if (!failure.isEmpty()) {
                vmError(failure);
            }
            validateBoot();
            if (serial.mode().equals("File")) {
                Files.writeString(Path.of(serial.file()), "fake-cloud-hypervisor: booting " + payloadName() + "\n");
            }
            booted = true;
            event("vm", "booted");
            // virtio-devices/src/*.rs: each device reports "activated" once the guest's driver set it up.
            for (String id : virtioDevices()) {
                event("virtio-device", "activated", Map.of("id", id));
            }
        }
    }

    /** What Cloud Hypervisor opens when it creates the VM: payload files, disk files, qcow2 backing policy, TAPs. */
    void validateBoot() throws IOException {
        for (String payload : List.of("kernel", "initramfs", "firmware")) {
            if (args.containsKey(payload) && !Files.isRegularFile(Path.of(one(payload, "")))) {
                vmError("Cannot load " + payload + " " + one(payload, "") + ": No such file or directory (os error 2)");
            }
        }
        for (Map<String, String> disk : disks) {
            String path = disk.get("path");
            if (!Files.isRegularFile(Path.of(path))) {
                vmError("Failed to open disk image " + path + ": No such file or directory (os error 2)");
            }
            byte[] header = new byte[16];
            try (RandomAccessFile file = new RandomAccessFile(path, "r")) {
                int read = file.read(header);
                boolean qcow2 = read >= 16
                        && header[0] == 'Q'
                        && header[1] == 'F'
                        && header[2] == 'I'
                        && (header[3] & 0xff) == 0xfb;
                boolean hasBacking =
                        qcow2 && java.nio.ByteBuffer.wrap(header, 8, 8).getLong() != 0;
                String type = disk.getOrDefault("image_type", "").toLowerCase(Locale.ROOT);
                if (type.equals("qcow2") && !qcow2) {
                    vmError("Disk " + path + " is not a QCOW2 image");
                }
                if (hasBacking && !on(disk, "backing_files")) {
                    vmError(
                            "Failed to open disk image " + path,
                            "QCOW2 image has a backing file but backing_files=on was not given");
                }
                if (!type.isEmpty() && !type.equals("qcow2") && qcow2) {
                    vmError("Disk " + path + " is QCOW2 but image_type=" + type + " was given");
                }
            }
        }
        openTaps();
    }

    /**
     * What Cloud Hypervisor does with each {@code --net tap=NAME} when it creates the VM's devices, after the
     * disks (device_manager.rs make_virtio_devices): net_util/src/open_tap.rs checks an existing TAP's
     * multi-queue flag against the queue pairs asked for, then tap.rs Tap::open_named opens /dev/net/tun and
     * TUNSETIFF attaches to the TAP of that name, or creates it when there is none (which needs CAP_NET_ADMIN:
     * EPERM otherwise). The kernel refuses a name that is some other kind of device (EINVAL) and a second
     * attach to a single-queue TAP (EBUSY).
     */
    void openTaps() {
        List<String> attached = new ArrayList<>();
        for (Map<String, String> net : nets) {
            String name = net.get("tap");
            int queuePairs = Integer.parseInt(net.get("num_queues")) / 2;
            Path device = Path.of("/sys/class/net", name);
            // Only TUN/TAP devices have tun_flags (e.g. 0x1002: IFF_TAP | IFF_NO_PI).
            String flagsText = read(device.resolve("tun_flags")).strip();
            int flags = flagsText.isEmpty() ? 0 : Integer.decode(flagsText);
            if (!flagsText.isEmpty()) {
                boolean multiQueue = (flags & IFF_MULTI_QUEUE) != 0;
                if (multiQueue && queuePairs == 1) {
                    openTapsError("Error related to the multiqueue support (no support device side)");
                }
                if (!multiQueue && queuePairs > 1) {
                    openTapsError("Error related to the multiqueue support (no support TAP side)");
                }
            }
            if (name.length() > 15) {
                tapError("Interface name too long (max length is 15): " + name);
            }
            if (!Files.exists(Path.of("/dev/net/tun"))) {
                tapError("Couldn't open /dev/net/tun", "No such file or directory (os error 2)");
            }
            if (Files.exists(device)) {
                if ((flags & IFF_TAP) == 0) {
                    tapError("Unable to configure tap interface", "Invalid argument (os error 22)");
                }
                if (attached.contains(name) && queuePairs == 1) {
                    tapError("Unable to configure tap interface", "Device or resource busy (os error 16)");
                }
                attached.add(name);
            } else if (!netAdmin()) {
                tapError("Unable to configure tap interface", "Operation not permitted (os error 1)");
            } else {
                vmError(
                        "Error from device manager",
                        "Cannot create virtio-net device",
                        "fake-cloud-hypervisor does not create TAPs: Cloud Hypervisor would make " + name
                                + " here, on no bridge, and remove it when it exits");
            }
        }
    }

    static final int IFF_TAP = 0x0002;
    static final int IFF_MULTI_QUEUE = 0x0100;
    /** CAP_NET_ADMIN's bit in CapEff. */
    static final long CAP_NET_ADMIN = 1L << 12;

    void openTapsError(String... cause) {
        List<String> chain = new ArrayList<>(
                List.of("Error from device manager", "Cannot create virtio-net device", "Failed to open taps"));
        chain.addAll(List.of(cause));
        vmError(chain.toArray(String[]::new));
    }

    void tapError(String... cause) {
        List<String> chain = new ArrayList<>(List.of("Open tap device failed"));
        chain.addAll(List.of(cause));
        openTapsError(chain.toArray(String[]::new));
    }

    /** Fails the VM's start (a boot, or a restore) with this cause under the start's own top errors. */
    void vmError(String... cause) {
        List<String> chain = new ArrayList<>(startFailure);
        chain.addAll(List.of(cause));
        chainError(chain.toArray(String[]::new));
    }

    /** Whether this process may create network devices: CAP_NET_ADMIN in /proc/self/status. */
    static boolean netAdmin() {
        for (String line : read(Path.of("/proc/self/status")).split("\n")) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(
                                        line.substring("CapEff:".length()).strip(), 16)
                                & CAP_NET_ADMIN)
                        != 0;
            }
        }
        return false;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    // ---- consoles ----

    /** A real pseudo-terminal: util-linux script holds the master and stays until this process is gone. */
    Console openPty(String which, boolean greet) throws IOException {
        long self = ProcessHandle.current().pid();
        Process holder = new ProcessBuilder(
                        "script", "-qfec", "tty; while kill -0 " + self + " 2>/dev/null; do sleep 1; done", "/dev/null")
                .redirectErrorStream(true)
                .start();
        ptyHolders.add(holder);
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String tty = lines.readLine();
        if (tty == null || !tty.strip().startsWith("/dev/")) {
            chainError(
                    "Error creating VM",
                    "The VM could not be created",
                    "fake-cloud-hypervisor could not open a PTY for the " + which + " (script said: " + tty + ")");
        }
        // What a client types on the PTY arrives on script's stdout: a line "poweroff" is the guest shutting itself
        // down; the guest remembers any other line and says so. The terminal echoes what the guest writes back to
        // script too: the guest's own lines, all prefixed, are not input.
        Thread drain = new Thread(() -> {
            try {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    String typed = line.strip();
                    if (typed.equals("poweroff")) {
                        guestPowerOff();
                    } else if (!typed.isEmpty() && !typed.startsWith(GUEST)) {
                        synchronized (guestMemory) {
                            guestMemory.add(typed);
                        }
                        say(which, GUEST + " noted " + typed);
                    }
                }
            } catch (IOException e) {
                // The holder went away with this process.
            }
        });
        drain.setDaemon(true);
        drain.start();
        OutputStream guest = holder.getOutputStream();
        ptyOutputs.put(which, guest);
        if (greet) {
            // What a booting guest would print first; readers of the PTY see it. A restored guest booted long ago.
            say(which, "fake-cloud-hypervisor: " + which + " ready");
        }
        return new Console("Pty", tty.strip());
    }

    /** How every line the double's guest writes begins. */
    static final String GUEST = "fake-cloud-hypervisor:";

    /** The guest writes a line on one of its PTYs. */
    void say(String which, String line) {
        OutputStream pty = ptyOutputs.get(which);
        if (pty == null) {
            return;
        }
        try {
            synchronized (pty) {
                pty.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                pty.flush();
            }
        } catch (IOException e) {
            // The PTY holder is gone with the VM.
        }
    }

    /**
     * vmm/src/console_devices.rs pre_create_console_devices: a PTY is made anew (a saved /dev/pts path is not
     * reused), and a File console is created, truncated, whether the VM boots or is restored.
     */
    void openConsoles(boolean greet) throws IOException {
        if (serial.mode().equals("Pty")) {
            serial = openPty("serial", greet);
        } else if (serial.mode().equals("File") && !greet) {
            Files.writeString(Path.of(serial.file()), "");
        }
        if (console.mode().equals("Pty")) {
            console = openPty("console", greet);
        } else if (console.mode().equals("File")) {
            Files.writeString(Path.of(console.file()), "");
        }
    }

    /** vm_shutdown drops the Vm and its console devices: the PTY masters close. */
    void closeConsoles() {
        for (Process holder : ptyHolders) {
            holder.descendants().forEach(ProcessHandle::destroy);
            holder.destroy();
        }
    }

    String payloadName() {
        return args.containsKey("kernel") ? one("kernel", "") : one("firmware", "");
    }

    // ---- the guest and the VMM going away ----

    /**
     * The guest powers off (ACPI S5 after the power button, or shutting itself down): vmm/src/lib.rs
     * control_loop turns the guest exit into vmm_shutdown, exactly as for PUT vmm.shutdown or SIGTERM,
     * and the process exits 0. A Linux guest resets its virtio devices on the way down
     * (virtio-devices/src/*.rs emit "reset").
     */
    void guestPowerOff() {
        synchronized (vmmThread) {
            // A paused guest runs no code: it cannot power itself off.
            if (!booted || paused) {
                return;
            }
            for (String id : virtioDevices()) {
                event("virtio-device", "reset", Map.of("id", id));
            }
            shutdownVmm(0);
        }
    }

    /**
     * vmm/src/lib.rs vmm_shutdown: vm_delete (vm_shutdown first if a VM is booted: "vm shutdown"; then
     * "vm deleted" if a config exists), then "vmm shutdown"; main.rs then exits.
     */
    void shutdownVmm(int status) {
        synchronized (vmmThread) {
            if (booted) {
                booted = false;
                event("vm", "shutdown");
            }
            if (created) {
                created = false;
                event("vm", "deleted");
            }
            event("vmm", "shutdown");
            exit(status, false);
        }
    }

    /** main.rs: a failed create or boot writes the exit event, so the VMM thread shuts down, then main prints the chain. */
    void failStart(StartFailure failure) {
        synchronized (vmmThread) {
            if (created) {
                created = false;
                event("vm", "deleted");
            }
            event("vmm", "shutdown");
            printChain(failure.chain);
            exit(1, true);
        }
    }

    /**
     * Whether the API socket file goes with the process, cloud-hypervisor/src/main.rs by version:
     * a clean exit removes it up to v52; a failed start left it behind up to v51 (main only removed it on
     * Ok, fixed by PR #8018 in v52); from v53 the socket's lock file owns it and neither removes it (PR #8325).
     */
    void exit(int status, boolean failedStart) {
        boolean remove = failedStart ? MAJOR == 52 : MAJOR < 53;
        if (remove && serving) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // Nothing more to do on the way out.
            }
        }
        closeConsoles();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    // ---- REST API ----

    /**
     * vmm/src/api/http/mod.rs start_http_path_thread. Up to v52 it binds and fails with EADDRINUSE when the
     * path exists; from v53 (PR #8325) it takes a lock on "<socket>.lock", removes a stale socket and binds.
     */
    void serve() throws IOException {
        long delay = Long.parseLong(env("FAKE_CHV_SOCKET_DELAY_MS", "0"));
        sleep(delay);
        if (MAJOR >= 53) {
            socketLock =
                    FileChannel.open(Path.of(socket + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (socketLock.tryLock() == null) {
                chainError("Failed to start the VMM thread", "API socket " + socket + " is already in use");
            }
            Files.deleteIfExists(socket);
        } else if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            chainError(
                    "Failed to start the VMM thread",
                    "Error creation API server's socket",
                    "Address in use (os error 98)");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        serving = true;
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    SocketChannel client = server.accept();
                    Thread handler = new Thread(() -> handle(client));
                    handler.setDaemon(true);
                    handler.start();
                }
            } catch (IOException e) {
                // The socket closed as the process exits.
            }
        });
        acceptor.start();
    }

    void handle(SocketChannel client) {
        try (client;
                InputStream in = Channels.newInputStream(client);
                OutputStream out = Channels.newOutputStream(client)) {
            while (true) {
                String requestLine = readLine(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                Map<String, String> headers = new LinkedHashMap<>();
                for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                    int colon = line.indexOf(':');
                    headers.put(
                            line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).strip());
                }
                byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
                String[] parts = requestLine.split(" ");
                recordRequest(parts[0] + " " + parts[1]);
                Runnable after;
                synchronized (vmmThread) {
                    after = respond(parts[0], parts[1], body, out);
                    out.flush();
                }
                if (after != null) {
                    after.run();
                }
                if ("close".equalsIgnoreCase(headers.get("connection"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // The client went away; nothing to answer.
        }
    }

    /**
     * vmm/src/api/http/mod.rs error_response: from v47 the body is the JSON array of the error chain's
     * Display strings, top error first (PR #7066); before, it was the Debug form of the HttpError.
     */
    static String errorBody(String debugForm, String... chain) {
        if (MAJOR < 47) {
            return debugForm;
        }
        StringBuilder array = new StringBuilder("[");
        for (String message : chain) {
            array.append(array.length() > 1 ? "," : "").append(json(message));
        }
        return array.append(']').toString();
    }

    static final String BAD_REQUEST = errorBody("BadRequest", "Bad Request");

    /** Writes the answer; returns what happens after it was sent (the VMM exiting), or null. */
    Runnable respond(String method, String target, byte[] body, OutputStream out) throws IOException {
        String endpoint = target.startsWith("/api/v1/") ? target.substring("/api/v1/".length()) : "";
        switch (endpoint) {
            // http/mod.rs handle_http_request: a path without a route is 404 with the NotFound error body.
            default -> write(out, 404, errorBody("NotFound", "Not Found"));
            // http/http_endpoint.rs VmmPing, VmInfo, VmmShutdown: any other method is error_response(BadRequest), 400.
            case "vmm.ping" -> {
                if (!method.equals("GET")) {
                    write(out, 400, BAD_REQUEST);
                } else {
                    write(
                            out,
                            200,
                            "{\"build_version\":\"v" + VERSION + "\",\"version\":\"" + VERSION + "\",\"pid\":"
                                    + ProcessHandle.current().pid() + ",\"features\":[\"kvm\"]}");
                }
            }
            case "vm.info" -> {
                if (!method.equals("GET")) {
                    write(out, 400, BAD_REQUEST);
                } else if (!created) {
                    // lib.rs vm_info: no config is VmNotCreated; 500 until v53 maps it to 404 (PR #8320).
                    write(
                            out,
                            MAJOR >= 53 ? 404 : 500,
                            errorBody(
                                    "ApiError(VmInfo(VmNotCreated))",
                                    "Error from API",
                                    "The VM info is not available",
                                    "VM is not created"));
                } else {
                    write(out, 200, info());
                }
            }
            case "vmm.shutdown" -> {
                if (!method.equals("PUT")) {
                    write(out, 400, BAD_REQUEST);
                } else {
                    // http_endpoint.rs VmmShutdown answers 200 with no body once the VMM thread accepted it.
                    write(out, 200, null);
                    if (!env("FAKE_CHV_VMM_SHUTDOWN", "exit").equals("ignore")) {
                        return () -> shutdownVmm(0);
                    }
                }
            }
            case "vm.power-button", "vm.shutdown", "vm.pause", "vm.resume" -> {
                return vmAction(method, endpoint, body.length > 0, out);
            }
            case "vm.snapshot" -> snapshot(method, body, out);
        }
        return null;
    }

    /**
     * http/mod.rs EndpointHandler + http_endpoint.rs VmActionHandler: GET (or PUT with a body) is
     * BadRequest with its error body; a method that is neither GET nor PUT is a bare 400.
     */
    Runnable vmAction(String method, String endpoint, boolean hasBody, OutputStream out) throws IOException {
        if (!method.equals("PUT") && !method.equals("GET")) {
            write(out, 400, null);
            return null;
        }
        if (method.equals("GET") || hasBody) {
            write(out, 400, BAD_REQUEST);
            return null;
        }
        if (endpoint.equals("vm.pause") || endpoint.equals("vm.resume")) {
            pauseOrResume(endpoint.equals("vm.pause"), out);
            return null;
        }
        if (endpoint.equals("vm.power-button")) {
            // lib.rs vm_power_button: no booted VM is VmNotRunning, 500 in every version up to v54 (issue #8678).
            if (!booted) {
                write(
                        out,
                        500,
                        errorBody(
                                "ApiError(VmPowerButton(VmNotRunning))",
                                "Error from API",
                                "Error triggering power button",
                                "VM is not running"));
                return null;
            }
            write(out, 204, null);
            if (!env("FAKE_CHV_POWER_BUTTON", "poweroff").equals("ignore")) {
                long delay = Long.parseLong(env("FAKE_CHV_POWEROFF_DELAY_MS", "200"));
                Thread guest = new Thread(() -> {
                    sleep(delay);
                    guestPowerOff();
                });
                guest.setDaemon(true);
                guest.start();
            }
            return null;
        }
        // lib.rs vm_shutdown: takes the Vm and keeps the config, so vm.info then answers "Created"; the process stays.
        if (!booted) {
            write(
                    out,
                    500,
                    errorBody(
                            "ApiError(VmShutdown(VmNotRunning))",
                            "Error from API",
                            "The VM could not shutdown",
                            "VM is not running"));
            return null;
        }
        booted = false;
        paused = false;
        closeConsoles();
        event("vm", "shutdown");
        write(out, 204, null);
        return null;
    }

    /**
     * lib.rs vm_pause / vm_resume, vm.rs Vm::pause / Vm::resume: no VM is VmNotRunning; then the pausing (or
     * resuming) event, and pausing a paused VM or resuming a running one is an invalid state transition; otherwise
     * the paused (or resumed) event and 204.
     */
    void pauseOrResume(boolean pause, OutputStream out) throws IOException {
        String action = pause ? "The VM could not be paused" : "The VM could not resume";
        String api = pause ? "VmPause" : "VmResume";
        if (!booted) {
            write(
                    out,
                    500,
                    errorBody("ApiError(" + api + "(VmNotRunning))", "Error from API", action, "VM is not running"));
            return;
        }
        // vm.rs: the event comes first, then the state check.
        event("vm", pause ? "pausing" : "resuming");
        if (paused == pause) {
            String current = paused ? "Paused" : "Running";
            String transition = "Invalid transition: InvalidStateTransition(" + current + ", " + current + ")";
            String verb = pause ? "Pause" : "Resume";
            write(
                    out,
                    500,
                    errorBody(
                            "ApiError(" + api + "(" + verb + "(" + verb + "(" + transition + "))))",
                            "Error from API",
                            action,
                            "Cannot " + verb.toLowerCase(Locale.ROOT) + " VM",
                            "Failed to " + verb.toLowerCase(Locale.ROOT) + " migratable component",
                            transition));
            return;
        }
        paused = pause;
        event("vm", pause ? "paused" : "resumed");
        write(out, 204, null);
        if (!pause && restoredNotYetResumed) {
            restoredNotYetResumed = false;
            String which = ptyOutputs.containsKey("console") ? "console" : "serial";
            synchronized (guestMemory) {
                say(which, "fake-cloud-hypervisor: " + which + " restored, remembers: " + guestMemory);
            }
        }
    }

    /**
     * http_endpoint.rs VmSnapshot (a PUT with a VmSnapshotConfig body), lib.rs vm_snapshot, vm.rs snapshot (only a
     * paused VM: "Trying to snapshot while VM is running") and send, migration.rs url_to_path (a file:// URL of an
     * existing folder): config.json, state.json and memory-ranges, each created new (an existing one fails).
     */
    void snapshot(String method, byte[] body, OutputStream out) throws IOException {
        if (!method.equals("PUT") && !method.equals("GET")) {
            write(out, 400, null);
            return;
        }
        if (method.equals("GET") || body.length == 0) {
            write(out, 400, BAD_REQUEST);
            return;
        }
        Object destination;
        try {
            destination = ((Map<?, ?>) new JsonReader(new String(body, StandardCharsets.UTF_8)).value())
                    .get("destination_url");
        } catch (RuntimeException e) {
            destination = null;
        }
        if (!(destination instanceof String url)) {
            write(
                    out,
                    400,
                    errorBody(
                            "SerdeJsonDeserialize(missing field `destination_url`)",
                            "Cannot deserialize JSON payload",
                            "missing field `destination_url`"));
            return;
        }
        String action = "The VM could not be snapshotted";
        if (!booted) {
            write(
                    out,
                    500,
                    errorBody("ApiError(VmSnapshot(VmNotRunning))", "Error from API", action, "VM is not running"));
            return;
        }
        event("vm", "snapshotting");
        if (!paused) {
            String why = "Trying to snapshot while VM is running";
            write(
                    out,
                    500,
                    errorBody(
                            "ApiError(VmSnapshot(Snapshot(Snapshot(" + why + "))))",
                            "Error from API",
                            action,
                            "Cannot snapshot VM",
                            "Failed to snapshot migratable component",
                            why));
            return;
        }
        event("vm", "snapshotted");
        String failure = null;
        Path folder = url.startsWith("file://") ? Path.of(url.substring("file://".length())) : null;
        if (folder == null) {
            failure = "Could not extract path from URL: " + url;
        } else if (!Files.isDirectory(folder)) {
            failure = "Destination is not a directory";
        } else {
            try {
                writeSnapshot(folder);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                failure = "File exists (os error 17)";
            }
        }
        if (failure != null) {
            write(
                    out,
                    500,
                    errorBody(
                            "ApiError(VmSnapshot(SnapshotSend(MigrateSend(" + failure + "))))",
                            "Error from API",
                            action,
                            "Cannot send VM snapshot",
                            "Failed to send migratable component snapshot",
                            failure));
            return;
        }
        write(out, 204, null);
    }

    /**
     * The double's snapshot: config.json as vm.info's config, state.json its own (the device ids and the state),
     * and memory-ranges as large as the guest's memory (sparse) with what the guest remembers at its start.
     */
    void writeSnapshot(Path folder) throws IOException {
        createPrivate(folder.resolve("config.json"), configJson().getBytes(StandardCharsets.UTF_8));
        StringBuilder devices = new StringBuilder();
        for (String id : virtioDevices()) {
            devices.append(devices.length() == 0 ? "" : ",").append(json(id));
        }
        createPrivate(
                folder.resolve("state.json"),
                ("{\"id\":\"vm\",\"state\":\"Paused\",\"devices\":[" + devices + "]}")
                        .getBytes(StandardCharsets.UTF_8));
        Path memoryRanges = createPrivate(folder.resolve("memory-ranges"), new byte[0]);
        try (RandomAccessFile ram = new RandomAccessFile(memoryRanges.toFile(), "rw")) {
            ram.setLength(bytes(memory.getOrDefault("size", "512M")));
            synchronized (guestMemory) {
                ram.write((String.join("\n", guestMemory) + "\0").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    static Path createPrivate(Path file, byte[] content) throws IOException {
        Files.createFile(
                file,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        return Files.write(file, content);
    }

    /**
     * main.rs sends VmRestore when there is no payload: RestoreConfig::parse, then lib.rs vm_restore reads
     * config.json (migration.rs recv_vm_config), creates the VM's devices from it (disks and TAPs opened, consoles
     * made anew), loads the memory and device state, and leaves the VM paused as it was saved ("vm restoring",
     * "vm restored"); resume=on resumes it.
     */
    void restore() throws IOException {
        startFailure = List.of("Error restoring VM", "The VM could not be restored");
        Map<String, String> restore = parseValue("restore", one("restore", ""));
        if (!restore.containsKey("source_url")) {
            chainError("Error parsing restore", "Error parsing --restore: source_url missing");
        }
        for (String key : List.of("net_fds", "memory_restore_mode")) {
            if (restore.containsKey(key)) {
                chainError("fake-cloud-hypervisor does not emulate --restore " + key
                        + " (valid Cloud Hypervisor syntax, untested here)");
            }
        }
        synchronized (vmmThread) {
            String url = restore.get("source_url");
            if (!url.startsWith("file://")) {
                vmError(
                        "Cannot restore VM",
                        "Failed to send migratable component snapshot",
                        "Could not extract path from URL: " + url);
            }
            Path folder = Path.of(url.substring("file://".length()));
            if (!Files.isDirectory(folder)) {
                vmError(
                        "Cannot restore VM",
                        "Failed to send migratable component snapshot",
                        "Destination is not a directory");
            }
            for (String file : List.of("config.json", "state.json", "memory-ranges")) {
                if (!Files.isRegularFile(folder.resolve(file))) {
                    vmError(
                            "Cannot restore VM",
                            "Failed to receive migratable component snapshot",
                            "No such file or directory (os error 2)");
                }
            }
            applyConfig((Map<?, ?>) new JsonReader(Files.readString(folder.resolve("config.json"))).value());
            created = true;
            validateBoot();
            openConsoles(false);
            byte[] ram;
            try (InputStream in = Files.newInputStream(folder.resolve("memory-ranges"))) {
                ram = in.readNBytes(1 << 20);
            }
            int end = 0;
            while (end < ram.length && ram[end] != 0) {
                end++;
            }
            String remembered = new String(ram, 0, end, StandardCharsets.UTF_8);
            synchronized (guestMemory) {
                guestMemory.clear();
                if (!remembered.isEmpty()) {
                    guestMemory.addAll(List.of(remembered.split("\n")));
                }
            }
            event("vm", "restoring");
            booted = true;
            paused = true;
            restoredNotYetResumed = true;
            event("vm", "restored");
            if (on(restore, "resume")) {
                pauseOrResume(false, OutputStream.nullOutputStream());
            }
        }
    }

    /** The VM's settings as config.json holds them, in the form the command line gives them to the double. */
    void applyConfig(Map<?, ?> config) {
        Map<?, ?> cpuConfig = (Map<?, ?>) config.get("cpus");
        cpus = new LinkedHashMap<>();
        cpus.put("boot", String.valueOf(cpuConfig.get("boot_vcpus")));
        cpus.put("max", String.valueOf(cpuConfig.get("max_vcpus")));
        memory = Map.of("size", String.valueOf(((Map<?, ?>) config.get("memory")).get("size")));
        Map<?, ?> savedPayload = (Map<?, ?>) config.get("payload");
        for (String key : List.of("kernel", "initramfs", "cmdline", "firmware")) {
            payload.put(key, (String) savedPayload.get(key));
        }
        if (config.get("disks") instanceof List<?> saved) {
            for (Object entry : saved) {
                Map<?, ?> disk = (Map<?, ?>) entry;
                Map<String, String> parsed = new LinkedHashMap<>();
                parsed.put("path", (String) disk.get("path"));
                parsed.put("readonly", Boolean.TRUE.equals(disk.get("readonly")) ? "on" : "off");
                if (disk.get("serial") instanceof String serialNumber) {
                    parsed.put("serial", serialNumber);
                }
                parsed.put("backing_files", Boolean.TRUE.equals(disk.get("backing_files")) ? "on" : "off");
                String type = String.valueOf(disk.get("image_type")).toLowerCase(Locale.ROOT);
                if (!type.equals("unknown")) {
                    parsed.put("image_type", type);
                }
                if (disk.get("id") instanceof String id) {
                    parsed.put("id", id);
                }
                disks.add(parsed);
            }
        }
        if (config.get("net") instanceof List<?> saved) {
            for (Object entry : saved) {
                Map<?, ?> net = (Map<?, ?>) entry;
                Map<String, String> parsed = new LinkedHashMap<>();
                for (String key : List.of("tap", "mac", "num_queues", "queue_size", "id")) {
                    if (net.get(key) != null) {
                        parsed.put(key, String.valueOf(net.get(key)));
                    }
                }
                nets.add(parsed);
            }
        }
        if (config.get("balloon") instanceof Map<?, ?> saved) {
            balloon = new LinkedHashMap<>();
            balloon.put("size", String.valueOf(saved.get("size")));
            balloon.put("deflate_on_oom", Boolean.TRUE.equals(saved.get("deflate_on_oom")) ? "on" : "off");
        }
        Map<?, ?> savedSerial = (Map<?, ?>) config.get("serial");
        serial = new Console((String) savedSerial.get("mode"), (String) savedSerial.get("file"));
        Map<?, ?> savedConsole = (Map<?, ?>) config.get("console");
        console = new Console((String) savedConsole.get("mode"), (String) savedConsole.get("file"));
        watchdog = Boolean.TRUE.equals(config.get("watchdog"));
    }

    /** Just enough JSON for config.json and request bodies: objects, arrays, strings, numbers, true, false, null. */
    static final class JsonReader {
        private final String text;
        private int at;

        JsonReader(String text) {
            this.text = text;
        }

        Object value() {
            skipSpace();
            if (at >= text.length()) {
                throw new IllegalArgumentException("JSON ends early");
            }
            char c = text.charAt(at);
            if (c == '{') {
                Map<String, Object> object = new LinkedHashMap<>();
                at++;
                skipSpace();
                if (peek('}')) {
                    return object;
                }
                do {
                    skipSpace();
                    String key = (String) value();
                    skipSpace();
                    expect(':');
                    object.put(key, value());
                    skipSpace();
                } while (peek(','));
                expect('}');
                return object;
            }
            if (c == '[') {
                List<Object> array = new ArrayList<>();
                at++;
                skipSpace();
                if (peek(']')) {
                    return array;
                }
                do {
                    array.add(value());
                    skipSpace();
                } while (peek(','));
                expect(']');
                return array;
            }
            if (c == '"') {
                StringBuilder string = new StringBuilder();
                at++;
                while (text.charAt(at) != '"') {
                    char next = text.charAt(at++);
                    if (next == '\\') {
                        char escaped = text.charAt(at++);
                        switch (escaped) {
                            case 'n' -> string.append('\n');
                            case 'r' -> string.append('\r');
                            case 't' -> string.append('\t');
                            case 'b' -> string.append('\b');
                            case 'f' -> string.append('\f');
                            case 'u' -> {
                                string.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                                at += 4;
                            }
                            default -> string.append(escaped);
                        }
                    } else {
                        string.append(next);
                    }
                }
                at++;
                return string.toString();
            }
            for (String word : List.of("true", "false", "null")) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            String number = text.substring(start, at);
            if (number.isEmpty()) {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + start);
            }
            return number.matches("-?\\d+") ? (Object) Long.valueOf(number) : (Object) Double.valueOf(number);
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private boolean peek(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw new IllegalArgumentException("expected '" + c + "' at " + at);
            }
        }
    }

    /** lib.rs vm_info: the config as given, state "Running" or "Paused" with a booted VM and "Created" without one. */
    String info() {
        String state = !booted ? "Created" : paused ? "Paused" : "Running";
        return "{\"config\":" + configJson() + ",\"state\":" + json(state) + ",\"memory_actual_size\":"
                + bytes(memory.getOrDefault("size", "512M")) + "}";
    }

    /** vmm/src/vm_config.rs VmConfig as serde writes it, reduced to what the double has: vm.info's and config.json's. */
    String configJson() {
        StringBuilder diskJson = new StringBuilder("[");
        for (int i = 0; i < disks.size(); i++) {
            Map<String, String> disk = disks.get(i);
            if (i > 0) {
                diskJson.append(',');
            }
            String type = disk.getOrDefault("image_type", "");
            diskJson.append("{\"path\":")
                    .append(json(disk.get("path")))
                    .append(",\"readonly\":")
                    .append(on(disk, "readonly"))
                    .append(",\"serial\":")
                    .append(json(disk.get("serial")))
                    .append(",\"backing_files\":")
                    .append(on(disk, "backing_files"))
                    .append(",\"image_type\":")
                    .append(json(type.isEmpty() ? "Unknown" : type.equals("qcow2") ? "Qcow2" : "Raw"))
                    .append(",\"num_queues\":1,\"queue_size\":128,\"id\":")
                    .append(json(disk.getOrDefault("id", "_disk" + i)))
                    .append('}');
        }
        diskJson.append(']');
        String netJson = "null";
        if (!nets.isEmpty()) {
            StringBuilder list = new StringBuilder("[");
            for (int i = 0; i < nets.size(); i++) {
                Map<String, String> net = nets.get(i);
                list.append(i > 0 ? "," : "")
                        .append("{\"tap\":")
                        .append(json(net.get("tap")))
                        .append(",\"mac\":")
                        .append(json(net.get("mac").toLowerCase(Locale.ROOT)))
                        .append(",\"num_queues\":")
                        .append(net.get("num_queues"))
                        .append(",\"queue_size\":")
                        .append(net.get("queue_size"))
                        .append(",\"id\":")
                        .append(json(netId(i)))
                        .append('}');
            }
            netJson = list.append(']').toString();
        }
        String boot = cpus.getOrDefault("boot", "1");
        long size = bytes(memory.getOrDefault("size", "512M"));
        return "{"
                + "\"cpus\":{\"boot_vcpus\":" + boot + ",\"max_vcpus\":" + cpus.getOrDefault("max", boot) + "},"
                + "\"memory\":{\"size\":" + size + "},"
                + "\"payload\":{\"kernel\":" + json(payload.get("kernel")) + ",\"initramfs\":"
                + json(payload.get("initramfs"))
                + ",\"cmdline\":" + json(payload.get("cmdline")) + ",\"firmware\":" + json(payload.get("firmware"))
                + "},"
                + "\"disks\":" + diskJson + ","
                + "\"net\":" + netJson + ","
                + "\"balloon\":"
                + (balloon == null
                        ? "null"
                        : "{\"size\":" + bytes(balloon.getOrDefault("size", "0")) + ",\"deflate_on_oom\":"
                                + on(balloon, "deflate_on_oom") + "}")
                + ","
                + "\"serial\":{\"file\":" + json(serial.file()) + ",\"mode\":" + json(serial.mode()) + "},"
                + "\"console\":{\"file\":" + json(console.file()) + ",\"mode\":" + json(console.mode())
                + ",\"iommu\":false},"
                + "\"watchdog\":" + watchdog
                + "}";
    }

    /** http/mod.rs handle_http_request sets the server name and a JSON content type on every answer. */
    static void write(OutputStream out, int status, String body) throws IOException {
        String reason = switch (status) {
            case 200 -> "OK";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            default -> "Internal Server Error";
        };
        StringBuilder head =
                new StringBuilder("HTTP/1.1 " + status + " " + reason + "\r\nServer: Cloud Hypervisor API\r\n");
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (status != 204) {
            head.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(bytes.length)
                    .append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
    }

    synchronized void recordRequest(String line) throws IOException {
        Files.writeString(record, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            line.append((char) c);
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    static String json(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> quoted.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return quoted.append('"').toString();
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** cloud-hypervisor/src/main.rs start_vmm, in its order. */
    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println(
                    "Launch a cloud-hypervisor VMM.\n\nUsage: cloud-hypervisor [OPTIONS]\n\nFor more information, try '--help'.");
            System.exit(2);
        }
        Map<String, List<String>> args = parseArgs(argv);
        if (args.containsKey("version")) {
            System.out.println("cloud-hypervisor v" + VERSION);
            return;
        }
        if (args.containsKey("help")) {
            System.out.println("Launch a cloud-hypervisor VMM.\n\nUsage: cloud-hypervisor [OPTIONS]\n\nOptions: "
                    + OPTIONS.keySet());
            return;
        }
        FakeCloudHypervisor vmm = null;
        try {
            vmm = new FakeCloudHypervisor(args);
            // hypervisor::new() (opening /dev/kvm) comes before the event monitor and the API socket.
            String death = env("FAKE_CHV_DIE_AT_START", "");
            if (!death.isEmpty()) {
                chainError("Failed to open hypervisor interface (is hypervisor interface available?)", death);
            }
            vmm.openEventMonitor();
            // vmm/src/lib.rs Vmm::signal_handler: SIGTERM and SIGINT write the exit event, so the VMM shuts down
            // cleanly.
            FakeCloudHypervisor running = vmm;
            boolean ignoreTerm = env("FAKE_CHV_SIGTERM", "exit").equals("ignore");
            for (String name : List.of("TERM", "INT")) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    if (!ignoreTerm) {
                        running.shutdownVmm(0);
                    }
                });
            }
            vmm.event("vmm", "starting");
            vmm.serve();
            if (!args.containsKey("kernel") && !args.containsKey("firmware") && !args.containsKey("igvm")) {
                // main.rs: without a payload, --restore is sent as VmRestore; with one it is not looked at.
                if (args.containsKey("restore")) {
                    vmm.restore();
                }
                return;
            }
            // The API answers from here on; the main thread parses the VM config, then sends VmCreate and VmBoot.
            sleep(Long.parseLong(env("FAKE_CHV_CREATE_DELAY_MS", "0")));
            vmm.configure();
            vmm.create();
            sleep(Long.parseLong(env("FAKE_CHV_BOOT_DELAY_MS", "0")));
            vmm.boot();
        } catch (StartFailure failure) {
            if (vmm != null && vmm.serving) {
                vmm.failStart(failure);
            }
            printChain(failure.chain);
            System.exit(1);
        }
    }
}
