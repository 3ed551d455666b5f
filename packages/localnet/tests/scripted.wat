;; A scripted contract for the chain's own tests: the test decides what it does.
;; - instantiate(msg): if msg is a JSON object, stores it under "query" (a QueryRequest that every
;;   execute then sends to the chain's querier); returns an empty Ok response.
;; - execute(msg): stores msg under "last", runs the stored query (result under "query_result"),
;;   and returns msg itself, which must be a ContractResult<Response> (so the test writes the
;;   response: messages, submessages, attributes, events, data, or an error).
;; - reply(msg): stores the Reply under "reply"; answers by the first digit of its id:
;;   2 -> Ok with data "replied", 3 -> Err("reply failed"), anything else -> empty Ok.
;; - query(msg): returns msg itself (a ContractResult<Binary>).
(module
  (import "env" "db_read" (func $db_read (param i32) (result i32)))
  (import "env" "db_write" (func $db_write (param i32 i32)))
  (import "env" "query_chain" (func $query_chain (param i32) (result i32)))
  (memory (export "memory") 32)
  (global $heap (mut i32) (i32.const 65536))

  (data (i32.const 16) "last")
  (data (i32.const 32) "reply")
  (data (i32.const 48) "query")
  (data (i32.const 64) "query_result")
  ;; 62 bytes
  (data (i32.const 128) "{\"ok\":{\"messages\":[],\"attributes\":[],\"events\":[],\"data\":null}}")
  ;; 72 bytes
  (data (i32.const 256) "{\"ok\":{\"messages\":[],\"attributes\":[],\"events\":[],\"data\":\"cmVwbGllZA==\"}}")
  ;; 24 bytes
  (data (i32.const 384) "{\"error\":\"reply failed\"}")

  (func $allocate (export "allocate") (param $size i32) (result i32)
    (local $data i32) (local $region i32)
    (local.set $data (global.get $heap))
    (global.set $heap
      (i32.and (i32.add (i32.add (global.get $heap) (local.get $size)) (i32.const 7))
               (i32.const -8)))
    (local.set $region (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.const 16)))
    (i32.store (local.get $region) (local.get $data))
    (i32.store offset=4 (local.get $region) (local.get $size))
    (i32.store offset=8 (local.get $region) (i32.const 0))
    (local.get $region))

  (func (export "deallocate") (param i32))

  (func (export "interface_version_8"))

  ;; A region over static bytes.
  (func $static (param $offset i32) (param $len i32) (result i32)
    (local $region i32)
    (local.set $region (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.const 16)))
    (i32.store (local.get $region) (local.get $offset))
    (i32.store offset=4 (local.get $region) (local.get $len))
    (i32.store offset=8 (local.get $region) (local.get $len))
    (local.get $region))

  (func (export "instantiate") (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (if (i32.eq (i32.load8_u (i32.load (local.get $msg))) (i32.const 123))
      (then (call $db_write (call $static (i32.const 48) (i32.const 5)) (local.get $msg))))
    (call $static (i32.const 128) (i32.const 62)))

  (func (export "execute") (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $query i32)
    (call $db_write (call $static (i32.const 16) (i32.const 4)) (local.get $msg))
    (local.set $query (call $db_read (call $static (i32.const 48) (i32.const 5))))
    (if (local.get $query)
      (then
        (call $db_write (call $static (i32.const 64) (i32.const 12))
                        (call $query_chain (local.get $query)))))
    (local.get $msg))

  (func (export "reply") (param $env i32) (param $msg i32) (result i32)
    (local $digit i32)
    (call $db_write (call $static (i32.const 32) (i32.const 5)) (local.get $msg))
    ;; {"id":N...: the first digit of the id is byte 6
    (local.set $digit (i32.load8_u offset=6 (i32.load (local.get $msg))))
    (if (i32.eq (local.get $digit) (i32.const 50))
      (then (return (call $static (i32.const 256) (i32.const 72)))))
    (if (i32.eq (local.get $digit) (i32.const 51))
      (then (return (call $static (i32.const 384) (i32.const 24)))))
    (call $static (i32.const 128) (i32.const 62)))

  (func (export "query") (param $env i32) (param $msg i32) (result i32)
    (local.get $msg))
)
