#!/bin/sh
# Collects what Drydock's container needs into OUT, for a `FROM scratch` image: PostgreSQL's
# server binaries (postgres, initdb), its libraries and share files (not the LLVM JIT and its
# bitcode), the time zones, git, util-linux's unshare and setpriv (the local sandbox), a shell
# (initdb and COPY ... PROGRAM start /bin/sh), CA certificates, and every shared library those
# load (ldd). Nothing of the packages that brought them (no perl, no apt).
# Usage: collect.sh PG_MAJOR OUT
set -eu
major="$1"
out="$2"
pg="/usr/lib/postgresql/$major"

copy() {
    for path in "$@"; do
        [ -e "$path" ] || continue
        mkdir -p "$out$(dirname "$path")"
        cp -L -R "$path" "$out$path"
    done
}

copy "$pg/bin/postgres" "$pg/bin/initdb" "/usr/share/postgresql/$major" /usr/share/zoneinfo \
    /usr/bin/git /usr/bin/unshare /usr/bin/setpriv /bin/sh /etc/ssl/certs/ca-certificates.crt
mkdir -p "$out$pg/lib"
find "$pg/lib" -maxdepth 1 -type f -name '*.so' ! -name 'llvmjit*' -exec cp -L {} "$out$pg/lib/" \;
rm -rf "$out/usr/share/postgresql/$major/man"

# The libraries every binary and module loads, with the loader, at the paths ldd names.
find "$out" -type f | while read -r file; do
    case "$(head -c 4 "$file" | od -An -c | tr -d ' ')" in
        177ELF) ldd "${file#"$out"}" 2>/dev/null | awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}' ;;
    esac
done | sort -u | while read -r library; do
    copy "$library"
done

# The users the local provider runs the server as, git's trust in any checkout's owner, /tmp.
mkdir -p "$out/etc" "$out/tmp" "$out/var/run/postgresql"
chmod 1777 "$out/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:101:101::/var/lib/postgresql:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$out/etc/passwd"
printf 'root:x:0:\npostgres:x:101:\nnogroup:x:65534:\n' >"$out/etc/group"
printf '[safe]\n\tdirectory = *\n' >"$out/etc/gitconfig"
