import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
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
 * A strict stand-in for {@code cloud-hypervisor} v54.0.0, for contract tests on hosts without KVM.
 *
 * <p>It parses the command line the way Cloud Hypervisor does (clap options, then
 * {@code key=value,key=value} lists with known keys and typed values), refuses what Cloud
 * Hypervisor would refuse, and serves the documented REST endpoints the driver uses on the
 * {@code --api-socket} socket: {@code vmm.ping}, {@code vm.info}, {@code vm.power-button},
 * {@code vm.shutdown}, {@code vmm.shutdown}. A {@code pty} console or serial port is a real
 * pseudo-terminal (held open by util-linux {@code script}). No guest runs.
 *
 * <p>Environment switches:
 * <ul>
 *   <li>{@code FAKE_CHV_RECORD=file}: append one line per API request ({@code METHOD /path}); default {@code <socket>.requests}</li>
 *   <li>{@code FAKE_CHV_POWER_BUTTON=ignore}: the guest ignores the ACPI power button (default: it powers off)</li>
 *   <li>{@code FAKE_CHV_POWEROFF_DELAY_MS=n}: how long the guest takes to power off after the button (default 200)</li>
 *   <li>{@code FAKE_CHV_DIE_AT_START=message}: print the message as a boot error on stderr and exit 1, before the socket exists</li>
 *   <li>{@code FAKE_CHV_SOCKET_DELAY_MS=n}: wait this long before creating the API socket</li>
 *   <li>{@code FAKE_CHV_VMM_SHUTDOWN=ignore}: answer {@code vmm.shutdown} but keep running</li>
 *   <li>{@code FAKE_CHV_SIGTERM=ignore}: survive SIGTERM (only SIGKILL ends it)</li>
 * </ul>
 */
public class FakeCloudHypervisor {

    static final String VERSION = "54.0.0";

    enum Arity { FLAG, ONE, MANY }

    enum Kind { TOGGLE, BYTES, INT, TEXT, VALUELESS, IMAGE_TYPE, LOCK, HOTPLUG }

    static final Map<String, Arity> OPTIONS = new LinkedHashMap<>();
    static final Map<String, Map<String, Kind>> KEYS = new LinkedHashMap<>();
    static final Set<String> PAYLOAD = Set.of("kernel", "firmware", "igvm");
    static final Set<String> VMM_CONFIG = Set.of("api-socket", "event-monitor", "restore", "seccomp", "v", "log-file", "version", "help");

    static {
        for (String one : List.of("api-socket", "balloon", "cmdline", "console", "cpus", "debug-console", "event-monitor",
                "firmware", "initramfs", "kernel", "log-file", "memory", "platform", "restore", "rng", "seccomp", "serial",
                "tpm", "vsock", "igvm", "host-data", "fw-cfg-config", "ivshmem", "gdb")) {
            OPTIONS.put(one, Arity.ONE);
        }
        for (String many : List.of("device", "disk", "fs", "generic-vhost-user", "landlock-rules", "memory-zone", "net",
                "numa", "pci-segment", "pmem", "rate-limit-group", "user-device", "vdpa")) {
            OPTIONS.put(many, Arity.MANY);
        }
        for (String flag : List.of("watchdog", "pvpanic", "landlock", "version", "help")) {
            OPTIONS.put(flag, Arity.FLAG);
        }
        Map<String, Kind> pci = Map.of("id", Kind.TEXT, "pci_segment", Kind.INT, "pci_device_id", Kind.INT, "iommu", Kind.TOGGLE);
        KEYS.put("api-socket", Map.of("path", Kind.TEXT, "fd", Kind.INT));
        KEYS.put("cpus", Map.of("boot", Kind.INT, "max", Kind.INT, "topology", Kind.TEXT, "kvm_hyperv", Kind.TOGGLE,
                "max_phys_bits", Kind.INT, "affinity", Kind.TEXT, "features", Kind.TEXT, "nested", Kind.TOGGLE,
                "core_scheduling", Kind.TEXT));
        KEYS.put("memory", Map.of("size", Kind.BYTES, "mergeable", Kind.TOGGLE, "shared", Kind.TOGGLE, "hugepages", Kind.TOGGLE,
                "hugepage_size", Kind.BYTES, "hotplug_method", Kind.HOTPLUG, "hotplug_size", Kind.BYTES,
                "hotplugged_size", Kind.BYTES, "prefault", Kind.TOGGLE, "thp", Kind.TOGGLE));
        Map<String, Kind> disk = new LinkedHashMap<>(pci);
        for (String toggle : List.of("readonly", "direct", "vhost_user", "_disable_io_uring", "_disable_aio", "backing_files", "sparse")) {
            disk.put(toggle, Kind.TOGGLE);
        }
        for (String number : List.of("queue_size", "num_queues", "bw_size", "bw_one_time_burst", "bw_refill_time", "ops_size",
                "ops_one_time_burst", "ops_refill_time")) {
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
        Map<String, Kind> console = new LinkedHashMap<>(Map.of("off", Kind.VALUELESS, "pty", Kind.VALUELESS, "tty", Kind.VALUELESS,
                "null", Kind.VALUELESS, "file", Kind.TEXT, "socket", Kind.TEXT));
        KEYS.put("serial", Map.copyOf(console));
        console.put("iommu", Kind.TOGGLE);
        KEYS.put("console", console);
    }

    static final Pattern BYTES = Pattern.compile("\\d+[KMG]?");
    static final Pattern INT = Pattern.compile("\\d+");

    /** Exit with clap's usage-error status and wording. */
    static void usageError(String message) {
        System.err.println("error: " + message + "\n\nUsage: cloud-hypervisor [OPTIONS]\n\nFor more information, try '--help'.");
        System.exit(2);
    }

    /** Exit the way Cloud Hypervisor reports a failed start: its error chain on stderr, status 1. */
    static void chainError(String... chain) {
        StringBuilder text = new StringBuilder("Error: Cloud Hypervisor exited with the following chain of errors:\n");
        for (int i = 0; i < chain.length; i++) {
            text.append("  ").append(i).append(": ").append(chain[i]).append('\n');
        }
        System.err.print(text);
        System.exit(1);
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
                usageError("the argument '--" + name + (arity == Arity.FLAG ? "" : " <" + name + ">") + "' cannot be used multiple times");
            }
            given.computeIfAbsent(name, key -> new ArrayList<>()).addAll(values);
        }
        boolean vmConfig = given.keySet().stream().anyMatch(name -> !VMM_CONFIG.contains(name) && !PAYLOAD.contains(name));
        boolean payload = given.keySet().stream().anyMatch(PAYLOAD::contains);
        if (vmConfig && !payload) {
            usageError("the following required arguments were not provided:\n  <--firmware <firmware>|--kernel <kernel>|--igvm <igvm>>");
        }
        return given;
    }

    /** Cloud Hypervisor's OptionParser: comma-separated key=value pairs with known keys and typed values. */
    static Map<String, String> parseValue(String option, String value) {
        Map<String, Kind> keys = KEYS.get(option);
        if (keys == null) {
            chainError("fake-cloud-hypervisor does not emulate --" + option + " (valid Cloud Hypervisor syntax, untested here)");
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
                case IMAGE_TYPE -> Set.of("raw", "qcow2", "vhd", "vhdx", "vmdk").contains(text.toLowerCase(Locale.ROOT));
                case LOCK -> Set.of("byte-range", "full").contains(text);
                case HOTPLUG -> Set.of("acpi", "virtio-mem").contains(text.toLowerCase(Locale.ROOT));
                case TEXT, VALUELESS -> true;
            };
            if (!ok) {
                configError(option, "unable to parse " + text + " for " + parts[0]);
            }
            parsed.put(parts[0], text);
        }
        return parsed;
    }

    static void configError(String option, String detail) {
        chainError("Error parsing config", "Error parsing --" + option, detail);
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
            depth += element.chars().filter(c -> c == '[').count() - element.chars().filter(c -> c == ']').count();
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

    // ---- the VM as configured ----

    record Console(String mode, String file) { }

    final Map<String, List<String>> args;
    final Path socket;
    final Path record;
    final Map<String, String> cpus;
    final Map<String, String> memory;
    final List<Map<String, String>> disks = new ArrayList<>();
    final Map<String, String> balloon;
    Console serial;
    Console console;
    final List<Process> ptyHolders = new ArrayList<>();
    volatile String state = "Running";

    FakeCloudHypervisor(Map<String, List<String>> args) {
        this.args = args;
        Map<String, String> api = parseValue("api-socket", one("api-socket", ""));
        if (api.containsKey("fd") || !api.containsKey("path")) {
            chainError("fake-cloud-hypervisor needs --api-socket path=<socket>");
        }
        socket = Path.of(api.get("path"));
        String recordTo = System.getenv("FAKE_CHV_RECORD");
        record = recordTo == null || recordTo.isBlank() ? Path.of(socket + ".requests") : Path.of(recordTo);
        cpus = parseValue("cpus", one("cpus", "boot=1"));
        memory = parseValue("memory", one("memory", "size=512M"));
        parseValue("rng", one("rng", "src=/dev/urandom"));
        balloon = args.containsKey("balloon") ? parseValue("balloon", one("balloon", "")) : null;
        for (String disk : args.getOrDefault("disk", List.of())) {
            disks.add(parseValue("disk", disk));
        }
        serial = consoleMode("serial", one("serial", "null"));
        console = consoleMode("console", one("console", "tty"));
        if (serial.mode().equals("Tty") && console.mode().equals("Tty")) {
            chainError("Error parsing config", "Error validating configuration", "Console mode tty specified for both serial and console");
        }
    }

    String one(String option, String fallback) {
        List<String> values = args.get(option);
        return values == null ? fallback : values.get(0);
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

    /** What Cloud Hypervisor checks when it creates and boots the VM: payload files, disk files, qcow2 backing policy. */
    void validateBoot() throws IOException {
        for (String payload : List.of("kernel", "initramfs", "firmware")) {
            if (args.containsKey(payload) && !Files.isRegularFile(Path.of(one(payload, "")))) {
                chainError("Error booting VM", "Cannot load " + payload + " " + one(payload, "") + ": No such file or directory (os error 2)");
            }
        }
        for (Map<String, String> disk : disks) {
            String path = disk.get("path");
            if (path == null) {
                chainError("Error parsing config", "Error parsing --disk", "path missing");
            }
            if (!Files.isRegularFile(Path.of(path))) {
                chainError("Error booting VM", "Failed to open disk image " + path + ": No such file or directory (os error 2)");
            }
            byte[] header = new byte[16];
            try (RandomAccessFile file = new RandomAccessFile(path, "r")) {
                int read = file.read(header);
                boolean qcow2 = read >= 16 && header[0] == 'Q' && header[1] == 'F' && header[2] == 'I' && (header[3] & 0xff) == 0xfb;
                boolean hasBacking = qcow2 && java.nio.ByteBuffer.wrap(header, 8, 8).getLong() != 0;
                String type = disk.getOrDefault("image_type", "").toLowerCase(Locale.ROOT);
                if (type.equals("qcow2") && !qcow2) {
                    chainError("Error booting VM", "Disk " + path + " is not a QCOW2 image");
                }
                if (hasBacking && !on(disk, "backing_files")) {
                    chainError("Error booting VM", "Failed to open disk image " + path,
                            "QCOW2 image has a backing file but backing_files=on was not given");
                }
                if (!type.isEmpty() && !type.equals("qcow2") && qcow2) {
                    chainError("Error booting VM", "Disk " + path + " is QCOW2 but image_type=" + type + " was given");
                }
            }
        }
    }

    // ---- consoles ----

    /** A real pseudo-terminal: util-linux script holds the master and stays until this process is gone. */
    Console openPty(String which) throws IOException {
        long self = ProcessHandle.current().pid();
        Process holder = new ProcessBuilder("script", "-qfec", "tty; while kill -0 " + self + " 2>/dev/null; do sleep 1; done", "/dev/null")
                .redirectErrorStream(true).start();
        ptyHolders.add(holder);
        BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String tty = lines.readLine();
        if (tty == null || !tty.strip().startsWith("/dev/")) {
            chainError("Error booting VM", "fake-cloud-hypervisor could not open a PTY for the " + which + " (script said: " + tty + ")");
        }
        Thread drain = new Thread(() -> {
            try {
                while (lines.readLine() != null) {
                    continue;
                }
            } catch (IOException e) {
                // The holder went away with this process.
            }
        });
        drain.setDaemon(true);
        drain.start();
        // What the guest would print first; readers of the PTY see it.
        OutputStream guest = holder.getOutputStream();
        guest.write(("fake-cloud-hypervisor: " + which + " ready\n").getBytes(StandardCharsets.UTF_8));
        guest.flush();
        return new Console("Pty", tty.strip());
    }

    void openConsoles() throws IOException {
        if (serial.mode().equals("Pty")) {
            serial = openPty("serial");
        } else if (serial.mode().equals("File")) {
            Files.writeString(Path.of(serial.file()), "fake-cloud-hypervisor: booting " + payloadName() + "\n");
        }
        if (console.mode().equals("Pty")) {
            console = openPty("console");
        } else if (console.mode().equals("File")) {
            Files.writeString(Path.of(console.file()), "");
        }
    }

    String payloadName() {
        return args.containsKey("kernel") ? one("kernel", "") : one("firmware", "");
    }

    // ---- REST API ----

    void serve() throws IOException {
        long delay = Long.parseLong(env("FAKE_CHV_SOCKET_DELAY_MS", "0"));
        sleep(delay);
        if (Files.exists(socket)) {
            chainError("Failed to start the VMM thread", "Error binding to UNIX socket " + socket + ": Address in use (os error 98)");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        while (true) {
            SocketChannel client = server.accept();
            Thread handler = new Thread(() -> handle(client));
            handler.setDaemon(true);
            handler.start();
        }
    }

    void handle(SocketChannel client) {
        try (client; InputStream in = Channels.newInputStream(client); OutputStream out = Channels.newOutputStream(client)) {
            while (true) {
                String requestLine = readLine(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                Map<String, String> headers = new LinkedHashMap<>();
                for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                    int colon = line.indexOf(':');
                    headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
                }
                in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
                String[] parts = requestLine.split(" ");
                recordRequest(parts[0] + " " + parts[1]);
                Runnable after = respond(parts[0], parts[1], out);
                out.flush();
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

    /** Writes the answer; returns what happens after it was sent (the VMM exiting), or null. */
    Runnable respond(String method, String target, OutputStream out) throws IOException {
        String endpoint = target.startsWith("/api/v1/") ? target.substring("/api/v1/".length()) : "";
        String expected = switch (endpoint) {
            case "vmm.ping", "vm.info" -> "GET";
            case "vm.power-button", "vm.shutdown", "vmm.shutdown" -> "PUT";
            default -> null;
        };
        if (expected == null) {
            write(out, 404, "Not Found", null);
            return null;
        }
        if (!expected.equals(method)) {
            write(out, 405, "Method Not Allowed", null);
            return null;
        }
        switch (endpoint) {
            case "vmm.ping" -> write(out, 200, "OK", "{\"build_version\":\"v" + VERSION + "\",\"version\":\"" + VERSION
                    + "\",\"pid\":" + ProcessHandle.current().pid() + ",\"features\":[\"kvm\"]}");
            case "vm.info" -> write(out, 200, "OK", info());
            case "vm.power-button" -> {
                if (!state.equals("Running")) {
                    write(out, 405, "Method Not Allowed", "{\"error\":\"VM is not running\"}");
                    return null;
                }
                write(out, 204, "No Content", null);
                if (!env("FAKE_CHV_POWER_BUTTON", "poweroff").equals("ignore")) {
                    long delay = Long.parseLong(env("FAKE_CHV_POWEROFF_DELAY_MS", "200"));
                    Thread guest = new Thread(() -> {
                        sleep(delay);
                        exit(0);
                    });
                    guest.setDaemon(true);
                    guest.start();
                }
            }
            case "vm.shutdown" -> {
                if (!state.equals("Running") && !state.equals("Paused")) {
                    write(out, 405, "Method Not Allowed", "{\"error\":\"VM is not running\"}");
                    return null;
                }
                state = "Shutdown";
                write(out, 204, "No Content", null);
            }
            case "vmm.shutdown" -> {
                write(out, 200, "OK", "");
                if (!env("FAKE_CHV_VMM_SHUTDOWN", "exit").equals("ignore")) {
                    return () -> exit(0);
                }
            }
            default -> throw new IllegalStateException(endpoint);
        }
        return null;
    }

    String info() {
        StringBuilder diskJson = new StringBuilder("[");
        for (Map<String, String> disk : disks) {
            if (diskJson.length() > 1) {
                diskJson.append(',');
            }
            String type = disk.getOrDefault("image_type", "");
            diskJson.append("{\"path\":").append(json(disk.get("path")))
                    .append(",\"readonly\":").append(on(disk, "readonly"))
                    .append(",\"serial\":").append(json(disk.get("serial")))
                    .append(",\"backing_files\":").append(on(disk, "backing_files"))
                    .append(",\"image_type\":").append(json(type.isEmpty() ? "Unknown" : type.equals("qcow2") ? "Qcow2" : "Raw"))
                    .append(",\"num_queues\":1,\"queue_size\":128}");
        }
        diskJson.append(']');
        String boot = cpus.getOrDefault("boot", "1");
        long size = bytes(memory.getOrDefault("size", "512M"));
        return "{\"config\":{"
                + "\"cpus\":{\"boot_vcpus\":" + boot + ",\"max_vcpus\":" + cpus.getOrDefault("max", boot) + "},"
                + "\"memory\":{\"size\":" + size + "},"
                + "\"payload\":{\"kernel\":" + json(one("kernel", null)) + ",\"initramfs\":" + json(one("initramfs", null))
                + ",\"cmdline\":" + json(one("cmdline", null)) + ",\"firmware\":" + json(one("firmware", null)) + "},"
                + "\"disks\":" + diskJson + ","
                + "\"balloon\":" + (balloon == null ? "null" : "{\"size\":" + bytes(balloon.getOrDefault("size", "0"))
                + ",\"deflate_on_oom\":" + on(balloon, "deflate_on_oom") + "}") + ","
                + "\"serial\":{\"file\":" + json(serial.file()) + ",\"mode\":" + json(serial.mode()) + "},"
                + "\"console\":{\"file\":" + json(console.file()) + ",\"mode\":" + json(console.mode()) + ",\"iommu\":false},"
                + "\"watchdog\":" + args.containsKey("watchdog")
                + "},\"state\":" + json(state) + ",\"memory_actual_size\":" + size + "}";
    }

    static void write(OutputStream out, int status, String reason, String body) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + reason + "\r\nServer: Cloud Hypervisor API\r\n");
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (status != 204) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
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

    /** Like Cloud Hypervisor on a clean exit: the API socket is removed. */
    void exit(int status) {
        cleanUp();
        Runtime.getRuntime().halt(status);
    }

    void cleanUp() {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // Nothing more to do on the way out.
        }
        for (Process holder : ptyHolders) {
            holder.descendants().forEach(ProcessHandle::destroy);
            holder.destroy();
        }
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("Launch a cloud-hypervisor VMM.\n\nUsage: cloud-hypervisor [OPTIONS]\n\nFor more information, try '--help'.");
            System.exit(2);
        }
        Map<String, List<String>> args = parseArgs(argv);
        if (args.containsKey("version")) {
            System.out.println("cloud-hypervisor v" + VERSION);
            return;
        }
        if (args.containsKey("help")) {
            System.out.println("Launch a cloud-hypervisor VMM.\n\nUsage: cloud-hypervisor [OPTIONS]\n\nOptions: " + OPTIONS.keySet());
            return;
        }
        FakeCloudHypervisor vmm = new FakeCloudHypervisor(args);
        String death = System.getenv("FAKE_CHV_DIE_AT_START");
        if (death != null && !death.isBlank()) {
            chainError("Error booting VM", death);
        }
        vmm.validateBoot();
        if (env("FAKE_CHV_SIGTERM", "exit").equals("ignore")) {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> { });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(vmm::cleanUp));
        vmm.openConsoles();
        vmm.serve();
    }
}
