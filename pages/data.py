"""数据管理: template, upload with preview, confirmation, and the import history with rollback."""

import streamlit as st

st.title("数据管理")
st.info("上传与批次管理页面正在建设中。目前可用命令行导入：`python -m indicators import 文件.xlsx`。")
