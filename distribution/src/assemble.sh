#!/usr/bin/env bash
# Assembles target/cocoon: a jlink'd JDK holding only the platform modules the app needs, the
# application and plugin jars on its module path (jib-core's automatic modules cannot be jlinked),
# bin/cocoon, an empty plugins/ folder, share/ with Cocoon's own initrd without modules (guest/build-hook-initrd.sh; a
# kernel image's modules are added to it at pull), the ahead-of-time caches (lib/train-aot), and a tarball of it all
# but the caches.
set -euo pipefail
java_home=$1 target=$2 version=$3
image="$target/cocoon"
app="$target/app-modules"

rm -rf "$image"
platform_modules=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 21 \
  --module-path "$app" --add-modules ALL-MODULE-PATH)
# java.desktop (AWT, fonts, sound, java.beans: 9 MB of modules and 7 MB of native libraries) is named by
# commons-compress (its Pack200 classes) and commons-lang3 (a circuit breaker), which require it outright,
# and by Jackson (optionally) and JNA (AWT window handles): classes Cocoon never loads. The two descriptors
# are made to require it optionally below, and it stays out.
platform_modules=$(tr , '\n' <<< "$platform_modules" | grep -vx java.desktop | paste -sd ,)
# Reached only by reflection or service lookup, which jdeps cannot see: TLS curves, JNDI and SQL types
# that jib's HTTP stack and Jackson probe for, and zip file systems.
platform_modules="$platform_modules,jdk.crypto.ec,jdk.zipfs,java.naming,java.sql,java.net.http,java.management"
# No default class-data-sharing archives (--generate-cds-archive, 29 MB): every command maps one of the
# AOT caches below instead, which hold the JDK classes it loads too.
"$java_home/bin/jlink" --add-modules "$platform_modules" --output "$image" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6
# The JDK's native libraries carry their symbol tables (5 MB, 4.9 of them libjvm's; the debug info proper is
# in separate files jlink never copies): only a crash report's native frames would name functions with them.
if command -v strip > /dev/null; then
  find "$image/lib" -name '*.so' -exec strip --strip-unneeded {} +
else
  echo "assemble: strip (binutils) is missing: the image keeps 5 MB of native symbol tables" >&2
fi
mkdir -p "$image/lib/app" "$image/plugins"
cp "$app"/*.jar "$image/lib/app/"
# JNA carries its native dispatch library for 31 platforms (1.7 MB of its 1.9): this image runs on linux-x86-64 only.
if command -v zip > /dev/null; then
  zip -q -d "$image"/lib/app/jna-*.jar 'com/sun/jna/*-*/*' -x 'com/sun/jna/linux-x86-64/*' '*.class'
else
  echo "assemble: zip is missing: JNA keeps the native libraries of other platforms" >&2
fi
asm=$(echo "$app"/asm-[0-9]*.jar)
for jar in "$app"/commons-compress-*.jar "$app"/commons-lang3-*.jar; do
  "$java_home/bin/java" --class-path "$asm" "$(dirname "$0")/OptionalRequires.java" java.desktop \
    "$jar" "$image/lib/app/$(basename "$jar")"
done
# picocli is compiled for Java 5: the AOT cache skips such classes (and every command class that
# implements a picocli interface), so each start would parse and verify ~180 classes from the jar.
picocli=$(basename "$app"/picocli-*.jar)
"$java_home/bin/java" --class-path "$asm" "$(dirname "$0")/ClassVersionUpgrade.java" \
  "$app/$picocli" "$image/lib/app/$picocli"
install -m 0755 "$(dirname "$0")/cocoon" "$image/bin/cocoon"
bash "$(dirname "$0")/../../guest/build-hook-initrd.sh" "$image/share"

install -m 0755 "$(dirname "$0")/train-aot" "$image/lib/train-aot"
"$image/lib/train-aot" "$image"

"$image/bin/cocoon" version > /dev/null
# Without the AOT caches (12 MB of the tarball): a JVM takes a cache only with the module path it was made
# with, so they serve this folder alone, and bin/cocoon makes them anew where the tarball is unpacked.
tar -C "$target" -czf "$target/cocoon-$version-linux-x86_64.tar.gz" \
  --exclude 'cocoon/lib/cocoon-*.aot' --exclude cocoon/lib/aot-made-for cocoon
echo "assembled $image ($(du -sh "$image" | cut -f1))"
