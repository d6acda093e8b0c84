# mk_deps.m4 - dependency checks for milterkit.
#
# MK_REQUIRE_LIB(VAR, PKG-MODULES, HEADER, LIB, FUNCTION, DEBIAN-PACKAGE)
# Uses pkg-config when the library ships a .pc file, else falls back to
# AC_CHECK_HEADER/AC_CHECK_LIB.  A missing library stops configure with a
# message naming the Debian package to install.
AC_DEFUN([MK_REQUIRE_LIB], [
  PKG_CHECK_MODULES([$1], [$2], [mk_found=yes], [mk_found=no])
  AS_IF([test "x$mk_found" = xno], [
    AC_CHECK_HEADER([$3], [], [AC_MSG_ERROR([$3 not found: install the Debian package $6 (apt-get install $6)])])
    AC_CHECK_LIB([$4], [$5], [$1_LIBS="-l$4"; $1_CFLAGS=""],
                 [AC_MSG_ERROR([lib$4 not found: install the Debian package $6 (apt-get install $6)])],
                 [-lpthread])
  ])
  AC_SUBST([$1_CFLAGS])
  AC_SUBST([$1_LIBS])
])

# MK_CHECK_C11: insist on C11.
AC_DEFUN([MK_CHECK_C11], [
  AC_MSG_CHECKING([whether $CC accepts -std=c11])
  mk_save=$CFLAGS
  CFLAGS="$CFLAGS -std=c11"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[_Static_assert(1, "c11");]], [])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no]); AC_MSG_ERROR([a C11 compiler is needed (apt-get install gcc)])])
  CFLAGS=$mk_save
  AM_CFLAGS_STD="-std=c11"
  AC_SUBST([AM_CFLAGS_STD])
])

# MK_WARN_CFLAGS: the warning set every file must build clean with.
AC_DEFUN([MK_WARN_CFLAGS], [
  WARN_CFLAGS="-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter"
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat warnings as errors (CI)])],
    [], [enable_werror=no])
  AS_IF([test "x$enable_werror" = xyes], [WARN_CFLAGS="$WARN_CFLAGS -Werror"])
  AC_SUBST([WARN_CFLAGS])
])

# AX_PTHREAD_SIMPLE: libmilter is threaded; so are we.
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  PTHREAD_CFLAGS="-pthread"
  PTHREAD_LIBS="-pthread"
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
