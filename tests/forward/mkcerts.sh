#!/bin/sh
# mkcerts.sh DIR: test certificates made with openssl: a CA (ca), server
# certificates for www.example.test and localhost (srv, srv2: another serial),
# one for another name (wrong), one by an unknown CA (unknown), an expired
# one (expired), client certificates by the CA (cli) and by another (cli2).
set -e
d=$1; mkdir -p "$d"; cd "$d"
cat > ext.cnf <<X
[srv]
subjectAltName=DNS:www.example.test,DNS:localhost
[wrong]
subjectAltName=DNS:other.example.test
[cli]
extendedKeyUsage=clientAuth
X
o() { openssl "$@" 2>/dev/null; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 30 -subj /CN=test-ca
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca2.key -out ca2.pem -days 30 -subj /CN=other-ca
mk() { # name ext ca days-args...
	o req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr -subj /CN=$4
	o x509 -req -in $1.csr -CA $3.pem -CAkey $3.key -set_serial $5 -out $1.pem -extfile ext.cnf -extensions $2 $6
}
mk srv srv ca www.example.test 1001 "-days 30"
mk srv2 srv ca www.example.test 1002 "-days 30"
mk wrong wrong ca other.example.test 1003 "-days 30"
mk unknown srv ca2 www.example.test 1004 "-days 30"
mk cli cli ca client 1005 "-days 30"
mk cli2 cli ca2 client 1006 "-days 30"
# expired: valid for one day, a year ago (openssl ca takes dates; x509 -req does not in 3.0)
mkdir -p db; : > db/index; echo 1007 > db/serial
cat > ca.cnf <<X
[ca]
default_ca=c
[c]
database=db/index
serial=db/serial
new_certs_dir=db
default_md=sha256
policy=p
copy_extensions=none
x509_extensions=srv
[p]
commonName=supplied
[srv]
subjectAltName=DNS:www.example.test,DNS:localhost
X
o req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout expired.key -out expired.csr -subj /CN=www.example.test
o ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem -notext -startdate 20250101000000Z -enddate 20250102000000Z
