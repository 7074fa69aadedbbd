//! The public constructor of `DingTalk\ApiException` and its subclasses, so that an
//! application's tests can throw what the extension throws:
//! `new ApiException(message: '...', code: 400, errorCode: 'todo.taskUpdate.paramError', ...)`.
//!
//! Its first three parameters are `\Exception`'s (`message`, `code`, `previous`), so a call that
//! worked before (these classes inherited `\Exception`'s constructor) still does. The engine
//! parses the arguments by their declared types before this runs (see
//! [`crate::php::signature`]); a parameter not given keeps its property's default. The object
//! was made by `\Exception`'s object creation, which gave it its file, line and trace.

use std::panic::AssertUnwindSafe;

use ext_php_rs::args::Arg;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ce, run_handler, ClassEntry, ExecuteData};

use super::object::update;
use super::properties::{Handler, ERRMSG, ERROR_CODE, EXISTING_ID, REQUEST_ID, SUB_CODE};

/// A parameter: its name, the property it sets, and whether that property is `\Exception`'s
/// own (written as `\Exception`'s code: `previous` is private to it) or the class's (written
/// as the object's own class: they are protected).
struct Parameter {
    name: &'static str,
    property: &'static str,
    exceptions: bool,
}

/// `ApiException`'s parameters, in order.
const API: [Parameter; 7] = [
    Parameter {
        name: "message",
        property: "message",
        exceptions: true,
    },
    Parameter {
        name: "code",
        property: "code",
        exceptions: true,
    },
    Parameter {
        name: "previous",
        property: "previous",
        exceptions: true,
    },
    Parameter {
        name: "errorCode",
        property: ERROR_CODE,
        exceptions: false,
    },
    Parameter {
        name: "errmsg",
        property: ERRMSG,
        exceptions: false,
    },
    Parameter {
        name: "requestId",
        property: REQUEST_ID,
        exceptions: false,
    },
    Parameter {
        name: "subCode",
        property: SUB_CODE,
        exceptions: false,
    },
];

/// What `DuplicateException` adds after them.
const EXISTING: Parameter = Parameter {
    name: "existingId",
    property: EXISTING_ID,
    exceptions: false,
};

/// The declared parameters: `string $message = "", int $code = 0, ?\Throwable $previous =
/// null, string $errorCode = "", string $errmsg = "", ?string $requestId = null, ?string
/// $subCode = null`, and `?string $existingId = null` for a duplicate.
fn declared(with_existing_id: bool) -> Vec<Arg<'static>> {
    let text = |name| Arg::new(name, DataType::String).default("\"\"");
    let optional_text = |name| {
        Arg::new(name, DataType::String)
            .allow_null()
            .default("null")
    };
    let mut args = vec![
        text("message"),
        Arg::new("code", DataType::Long).default("0"),
        Arg::new("previous", DataType::object("Throwable"))
            .allow_null()
            .default("null"),
        text("errorCode"),
        text("errmsg"),
        optional_text("requestId"),
        optional_text("subCode"),
    ];
    if with_existing_id {
        args.push(optional_text("existingId"));
    }
    args
}

fn builder(handler: Handler, with_existing_id: bool) -> FunctionBuilder<'static> {
    declared(with_existing_id).into_iter().fold(
        FunctionBuilder::constructor(handler).not_required(),
        |f, arg| f.arg(arg),
    )
}

/// `ApiException::__construct`, inherited by its subclasses but `DuplicateException`.
pub fn api_exception() -> FunctionBuilder<'static> {
    builder(construct_api, false)
}

/// `DuplicateException::__construct`.
pub fn duplicate_exception() -> FunctionBuilder<'static> {
    builder(construct_duplicate, true)
}

extern "C" fn construct_api(ex: &mut ExecuteData, _: &mut Zval) {
    construct(ex, false);
}

extern "C" fn construct_duplicate(ex: &mut ExecuteData, _: &mut Zval) {
    construct(ex, true);
}

/// Sets the property of each parameter given.
fn construct(ex: &mut ExecuteData, with_existing_id: bool) {
    run_handler(AssertUnwindSafe(|| {
        let parameters: Vec<&Parameter> = API
            .iter()
            .chain(with_existing_id.then_some(&EXISTING))
            .collect();
        let mut args: Vec<Arg> = parameters
            .iter()
            .map(|p| Arg::new(p.name, DataType::Mixed))
            .collect();
        let (parser, this) = ex.parser_object();
        let parser = args
            .iter_mut()
            .fold(parser.not_required(), |parser, arg| parser.arg(arg));
        if parser.parse().is_err() {
            return; // the parser has thrown ArgumentCountError
        }
        let Some(this) = this else {
            return;
        };
        let own: &'static ClassEntry = this.get_class_entry();
        for (parameter, arg) in parameters.iter().zip(args.iter_mut()) {
            if let Some(value) = arg.zval() {
                let scope = if parameter.exceptions {
                    ce::exception()
                } else {
                    own
                };
                let value = value.dereference().shallow_clone();
                update(scope, this, parameter.property, value);
            }
        }
    }));
}
