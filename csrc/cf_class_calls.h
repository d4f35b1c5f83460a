/* cf_class_calls: the fast paths CPython offers for calls on one Python class
 * (cfutures.Future, a thin subclass of the compiled core).
 *
 * A class statement gives the class none of them: calling it goes through
 * type.__call__ (an argument tuple, then a no-op __init__), and its methods,
 * found on the compiled base, are descriptors owned by that base, which the
 * specializing interpreter (3.11+) calls directly only for instances of their
 * exact owner. Two repairs; calls behave as before (only introspection of
 * an unbound method shows a C method's `(self, /, ...)`):
 *
 *   cf_install_class_vectorcall  the class's own vectorcall (tp_vectorcall,
 *       which CPython never inherits): Cls() with no arguments runs only
 *       tp_new, while the class keeps the tp_new and tp_init it had; any other
 *       call, or a class whose __new__/__init__ were replaced, goes through
 *       type.__call__ exactly as before.
 *   cf_own_methods  a copy of each listed base method, owned by the class.
 */
#ifndef CF_CLASS_CALLS_H
#define CF_CLASS_CALLS_H

#include <Python.h>

static newfunc cf_class_new = NULL;
static initproc cf_class_init = NULL;
static PyObject *cf_class_no_args = NULL;

/* type.__call__ from vectorcall arguments (what CPython does without one). */
static PyObject *cf_class_call_generic(PyObject *cls, PyObject *const *args,
                                       size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *positional = PyTuple_New(nargs);
    PyObject *keywords = NULL;
    PyObject *result = NULL;
    Py_ssize_t i;
    if (positional == NULL)
        return NULL;
    for (i = 0; i < nargs; i++) {
        Py_INCREF(args[i]);
        PyTuple_SET_ITEM(positional, i, args[i]);
    }
    if (nkw > 0) {
        keywords = PyDict_New();
        if (keywords == NULL)
            goto done;
        for (i = 0; i < nkw; i++) {
            if (PyDict_SetItem(keywords, PyTuple_GET_ITEM(kwnames, i),
                               args[nargs + i]) < 0)
                goto done;
        }
    }
    result = PyType_Type.tp_call(cls, positional, keywords);
done:
    Py_DECREF(positional);
    Py_XDECREF(keywords);
    return result;
}

static PyObject *cf_class_vectorcall(PyObject *cls, PyObject *const *args,
                                     size_t nargsf, PyObject *kwnames)
{
    PyTypeObject *type = (PyTypeObject *)cls;
    if (PyVectorcall_NARGS(nargsf) == 0
            && (kwnames == NULL || PyTuple_GET_SIZE(kwnames) == 0)
            && type->tp_new == cf_class_new && type->tp_init == cf_class_init)
        return type->tp_new(type, cf_class_no_args, NULL);
    return cf_class_call_generic(cls, args, nargsf, kwnames);
}

/* `type` must have the tp_init of `core`, one that does nothing when given no
 * arguments: the fast path leaves it out. */
static int cf_install_class_vectorcall(PyTypeObject *type, PyTypeObject *core)
{
    if (type->tp_init != core->tp_init) {
        PyErr_SetString(PyExc_TypeError, "class has its own __init__");
        return -1;
    }
    if (cf_class_no_args == NULL) {
        cf_class_no_args = PyTuple_New(0);
        if (cf_class_no_args == NULL)
            return -1;
    }
    cf_class_new = type->tp_new;
    cf_class_init = type->tp_init;
    type->tp_vectorcall = cf_class_vectorcall;
    return 0;
}

/* Give `owner` its own descriptor for each method of `base` named in `names`
 * (a tuple of str); the base's PyMethodDef is shared, only the owner differs. */
static int cf_own_methods(PyTypeObject *owner, PyTypeObject *base, PyObject *names)
{
    PyMethodDef *def;
    for (def = base->tp_methods; def != NULL && def->ml_name != NULL; def++) {
        PyObject *name = PyUnicode_FromString(def->ml_name);
        PyObject *descr;
        int listed, failed;
        if (name == NULL)
            return -1;
        listed = PySequence_Contains(names, name);
        if (listed <= 0) {
            Py_DECREF(name);
            if (listed < 0)
                return -1;
            continue;
        }
        descr = PyDescr_NewMethod(owner, def);
        failed = descr == NULL || PyObject_SetAttr((PyObject *)owner, name, descr) < 0;
        Py_XDECREF(descr);
        Py_DECREF(name);
        if (failed)
            return -1;
    }
    return 0;
}

#endif
